0#!/bin/sh
set -e
# Migrations are run by the migrator service.
python manage.py wait_for_db
exec celery -A app worker
