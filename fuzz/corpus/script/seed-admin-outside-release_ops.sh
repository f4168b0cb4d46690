0#!/bin/sh
# Runs from the laptop's checkout against production: flagged.
python manage.py migrate --database=$PROD_DATABASE_URL # expect: admin-outside-release
DATABASE_URL=postgres://app@db.prod.acme.io/shop bundle exec rails db:migrate # expect: admin-outside-release
bundle exec rake db:seed --env-file .env.production # expect: admin-outside-release
# An ops host's old checkout.
ssh ops-server 'cd /var/www/app-v1.2.0 && python manage.py fix_data' # expect: admin-outside-release
# adminlint: ignore[admin-outside-release] the read replica is rebuilt from this checkout nightly
python manage.py migrate --database=$PROD_REPLICA_URL
