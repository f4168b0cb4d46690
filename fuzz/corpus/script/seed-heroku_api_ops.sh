0#!/bin/sh
# This directory's Procfile runs no wrapper: nothing to compare the console with.
heroku run python manage.py shell
