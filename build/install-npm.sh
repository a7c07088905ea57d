#!/usr/bin/env bash
# npm fetches the segmenter's files and the test client; Debian's package when it is missing.
set -euo pipefail
command -v npm >/dev/null 2>&1 && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "npm is missing: install it (Debian: apt-get install npm)" >&2
  exit 1
fi
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
