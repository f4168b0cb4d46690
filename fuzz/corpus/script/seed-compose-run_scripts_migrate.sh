0#!/bin/sh
# Run from the repository root: the root's Compose project.
set -e
# In the app's own service, under Bundler: silent.
docker compose run --rm web bundle exec rails db:migrate
docker compose exec worker bundle exec rails runner 'Shop.reindex'
# In the app's service, but outside Bundler: web runs under `bundle exec`.
docker compose run --rm web rails db:seed # expect: wrapper-missing
# In `tools`, which runs another tag than the app (the finding is at its image).
docker compose run --rm tools bundle exec rake db:migrate
