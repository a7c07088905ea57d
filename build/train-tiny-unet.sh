#!/usr/bin/env bash
# Trains the tiny U-Net's four networks on the shapes world, one after another on one CPU thread, and ships each
# into models/tiny-unet/<name> (config.json, model.safetensors, training.json). Every run resumes from its
# checkpoint when started again; a finished run is only shipped again. Usage: build/train-tiny-unet.sh [runs-folder]
# (2026-12-07: motion, video-ttm and motion-no-ztsnr shipped; video-ti2v still to train.)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-runs}" # relative to the repository: each training.json records its command as given
cd "$root"
./ttm --help > /dev/null # builds the CLI once
common=(--backbone unet --batch 8 --lr 1e-3 --warmup 50 --threads 1 --checkpoint-every 100)
train() { # name, then the run's own options
  local name="$1"; shift
  TTM_NO_BUILD=1 ./ttm train --run "$runs/unet-$name" "${common[@]}" "$@"
  mkdir -p "models/tiny-unet/$name"
  cp "$runs/unet-$name/model/config.json" "$runs/unet-$name/model/model.safetensors" "models/tiny-unet/$name/"
  cp "$runs/unet-$name/checkpoint/state.json" "models/tiny-unet/$name/training.json"
}
# Stage 1 with zero terminal SNR (the paper's setting), and the same budget without it (the ablation).
train motion --stage motion --steps 700 --decay-steps 300 --single-fraction 0.25
train video-ttm --stage video --steps 600 --decay-steps 250
train motion-no-ztsnr --stage motion --steps 700 --decay-steps 300 --single-fraction 0.25 --no-zero-terminal-snr
train video-ti2v --stage video --variant ti2v --steps 600 --decay-steps 250
