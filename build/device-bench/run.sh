#!/usr/bin/env bash
# On a GPU machine with PyTorch: unpacks what pack.sh made and runs both benchmarks on cuda:0, JSON into OUT_DIR.
# TorchSharp's native glue finds libtorch, libtorch_cuda and CUDA itself through PyTorch's lib folder.
set -uo pipefail
bundle="${1:?usage: run.sh BUNDLE.tar.xz OUT_DIR}"
results="${2:?usage: run.sh BUNDLE.tar.xz OUT_DIR}"
bin="$(mktemp -d)"
tar -xJf "$bundle" -C "$bin"
export LD_LIBRARY_PATH="$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__) + "/lib")')"
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))'
"$bin/device-bench" agree cuda:0; echo "agree: rc=$?"
"$bin/device-bench" batching cuda:0 > "$results/batching.json"; echo "batching: rc=$?"
"$bin/device-bench" worker cuda:0 8 1 2 4 8 16 > "$results/worker.json"; echo "worker: rc=$?"
"$bin/device-bench" worker cuda:0 32 32 > "$results/worker32.json"; echo "worker 32: rc=$?"
cat "$results"/*.json
