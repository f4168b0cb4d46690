0#!/usr/bin/env bash
# One-off commands against the app in namespace `shop`.
set -euo pipefail
TAG=2.4.0
# The release's image and Secret: silent.
kubectl run migrate-ok --rm -i --restart=Never -n shop \
  --env-from=secret/shop-secrets \
  --image=ghcr.io/acme/shop:$TAG -- bundle exec rails db:migrate
# An older tag, and the app's Secret forgotten.
kubectl run migrate --rm -i --restart=Never -n shop --image=ghcr.io/acme/shop:2.3.9 -- bundle exec rails db:migrate # expect: image-mismatch, config-missing
# The image read from the Deployment: the app's release by construction.
IMAGE=$(kubectl get deploy web -n shop -o jsonpath='{.spec.template.spec.containers[0].image}')
kubectl run seed -n shop --image="$IMAGE" --env-from=secret/shop-secrets -- bundle exec rails db:seed
# In the app's pod, but outside Bundler.
kubectl exec -n shop deploy/web -- rails console # expect: wrapper-missing
kubectl exec -n shop deploy/web -- bundle exec rails console
