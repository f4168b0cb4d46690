0#!/bin/sh
set -e
python manage.py wait_for_db
python manage.py wait_for_migrations
exec gunicorn app.wsgi --bind 0.0.0.0:8000
