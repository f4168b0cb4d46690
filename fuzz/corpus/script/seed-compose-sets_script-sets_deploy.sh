0#!/bin/sh
set -e
docker compose -f docker-compose.yml -f ops/migrate.yml run --rm tools python manage.py migrate
docker compose -f docker-compose.yml up -d web
