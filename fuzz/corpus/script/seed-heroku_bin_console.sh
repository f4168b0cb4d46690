0#!/bin/sh
# Run from the repository root: `heroku run` starts a one-off dyno of the app whose processes
# are in ../Procfile, so they are its peers.
heroku run bundle exec rails console -a shop
heroku run rails runner 'Shop.reindex' -a shop # expect: wrapper-missing
