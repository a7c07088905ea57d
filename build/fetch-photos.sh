#!/usr/bin/env bash
# Real photographs for the tests: the sample images that ship inside Debian's python3-skimage package,
# taken out of the .deb (apt-get download + dpkg-deb -x) without installing it or its dependencies.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$root/artifacts/photos"
if [[ -f "$target/coffee.png" && -f "$target/chelsea.png" && -f "$target/hubble_deep_field.jpg" ]]; then exit 0; fi
work="$(mktemp -d)"
chmod 777 "$work"
(cd "$work" && { apt-get download python3-skimage >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get download python3-skimage >/dev/null 2>&1; }; })
dpkg-deb -x "$work"/python3-skimage_*.deb "$work/x"
mkdir -p "$target"
for f in coffee.png astronaut.png chelsea.png hubble_deep_field.jpg; do
  cp "$work/x/usr/lib/python3/dist-packages/skimage/data/$f" "$target/"
done
rm -rf "$work"
echo "photographs in $target" >&2
