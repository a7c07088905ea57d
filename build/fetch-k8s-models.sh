#!/usr/bin/env bash
# The manifests' schema check for the tests: npm kubernetes-models (+ its KEDA and Prometheus Operator models) into
# deploy/k8s/validate/node_modules, where deploy/k8s/validate/validate.mjs finds them.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$root/deploy/k8s/validate"
[[ -f "$target/node_modules/kubernetes-models/package.json" && -f "$target/node_modules/@kubernetes-models/keda/package.json" ]] && exit 0
"$root/build/install-npm.sh"
(cd "$target" && npm install --silent --no-audit --no-fund --no-package-lock >/dev/null)
