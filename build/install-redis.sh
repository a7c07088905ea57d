#!/usr/bin/env bash
# Installs Debian's redis-server (7.0) when it is missing: the cluster tests start their own, on free ports (also as
# Sentinels: redis-server --sentinel, so Debian's redis-sentinel package is not needed).
set -euo pipefail
command -v redis-server >/dev/null 2>&1 && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "redis-server is missing: install it (Debian: apt-get install --no-install-recommends redis-server)" >&2
  exit 1
fi
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
