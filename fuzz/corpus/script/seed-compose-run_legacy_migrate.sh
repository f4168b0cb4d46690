0#!/bin/sh
# Its own directory's project, where `tools` and `web` agree and nothing runs under Bundler:
# silent. Read in the root project, `tools` would be 2.0.0 against 2.0.1 and `rails` would
# lack the root app's `bundle exec`.
docker compose run --rm tools rake db:migrate
docker compose run --rm web rails console
