0#!/bin/sh
# A development script and a CI test job: no production in sight, not flagged.
set -eu
python manage.py migrate
DATABASE_URL=postgres://localhost/shop_test bundle exec rails db:migrate
bundle exec rake db:seed --env-file .env.development
# In the release: other rules judge these.
kubectl exec -n shop deploy/web -- python manage.py migrate --database=$PROD_DATABASE_URL
heroku run python manage.py fix_data
ssh ops-server 'docker compose run --rm web python manage.py migrate'
