#!/usr/bin/env bash
# Installs Debian's ffmpeg (H.264, VP9, GIF) when it is missing.
set -euo pipefail
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ffmpeg is missing: install it (Debian: apt-get install --no-install-recommends ffmpeg)" >&2
  exit 1
fi
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null
