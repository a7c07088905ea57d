#!/usr/bin/env bash
# The OpenAPI linter for the docs tests: Redocly's CLI (npm @redocly/cli 2.77.0) into artifacts/redocly.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$root/artifacts/redocly"
[[ -x "$target/node_modules/.bin/redocly" ]] && exit 0
"$root/build/install-npm.sh"
mkdir -p "$target"
(cd "$target" && npm install --silent --no-audit --no-fund @redocly/cli@2.77.0 >/dev/null)
