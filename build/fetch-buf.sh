#!/usr/bin/env bash
# An independent gRPC client for the tests: buf curl (npm @bufbuild/buf 1.75.0) into artifacts/buf.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$root/artifacts/buf"
[[ -x "$target/node_modules/.bin/buf" ]] && exit 0
"$root/build/install-npm.sh"
mkdir -p "$target"
(cd "$target" && npm install --silent --no-audit --no-fund @bufbuild/buf@1.75.0 >/dev/null)
