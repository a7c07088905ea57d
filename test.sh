#!/usr/bin/env bash
# Runs the whole test suite: installs what the tests need (ffmpeg), builds, and tests every project.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v ffmpeg >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null
fi
dotnet build TtmCluster.sln -c Release --nologo -v q
dotnet test TtmCluster.sln -c Release --no-build --nologo --logger trx "$@"
