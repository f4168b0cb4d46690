0#!/bin/sh
# Deletes the migration Job before applying the release, so its fixed name runs again
# (k8s-laravel's and BlogService's deploy scripts).
set -eu
kubectl delete job/db-migrate -n shop --ignore-not-found --wait=true
kubectl apply -f k8s/
