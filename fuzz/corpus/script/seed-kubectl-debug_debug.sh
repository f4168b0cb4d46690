0#!/bin/sh
# `kubectl debug` is an admin process only when it runs an admin command.
# A debugging shell beside the app's container, or on a node: not admin processes.
kubectl debug -n shop deploy/web -it --image=busybox:1.36 -- sh
kubectl debug -n shop deploy/web -it --image=busybox:1.36 --target=web
kubectl debug node/worker-1 -it --image=ubuntu:24.04 -- bundle exec rails console
# A copy of the app's pod running the console in the app's container: its release.
kubectl debug -n shop deploy/web -it --copy-to=web-debug -c web -- bundle exec rails console
# The same copy, outside Bundler.
kubectl debug -n shop deploy/web -it --copy-to=web-debug -c web -- rails console # expect: wrapper-missing
# A debug image running the app's console: not the release, and without the pod's Secret
# (an ephemeral container gets none of the pod's environment).
kubectl debug -n shop deploy/web -it --image=ruby:3.3 -- bundle exec rails console # expect: image-mismatch, config-missing
# A copy set to another tag of the app's image.
kubectl debug -n shop deploy/web --copy-to=web-old --set-image=web=ghcr.io/acme/shop:2.3.0 -- bundle exec rails db:migrate # expect: image-mismatch
