#!/usr/bin/env bash
# Publishes device-bench trimmed and self-contained into OUT.tar.xz (about 9 MB): no .NET needed where it runs.
# The native libtorch is left out: run.sh takes the machine's PyTorch libraries instead.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:?usage: pack.sh OUT.tar.xz}"
stage="$(mktemp -d)"
dotnet publish "$here/DeviceBench.csproj" -c Release --self-contained -o "$stage" --nologo -v q \
  -p:PublishTrimmed=true -p:TrimMode=partial -p:SuppressTrimAnalysisWarnings=true -p:TreatWarningsAsErrors=false \
  -p:JsonSerializerIsReflectionEnabledByDefault=true
rm -rf "$stage/text-encoder" "$stage"/libonnxruntime*.so "$stage"/libmscordaccore.so "$stage"/libmscordbi.so "$stage"/createdump "$stage"/*.pdb
tar -cJf "$out" -C "$stage" .
rm -rf "$stage"
