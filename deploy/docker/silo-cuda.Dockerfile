# syntax=docker/dockerfile:1
# An accelerator silo for NVIDIA GPUs: the same publish as silo.Dockerfile, with the CPU libtorch replaced by a CUDA
# libtorch of the same version (2.10.0, the libtorch-cpu-linux-x64 version TorchSharp 0.107.0 is built against). TorchSharp's own CUDA packages are not served
# to our build machines, so the CUDA libraries come from outside the build: pass a folder holding libtorch's lib/
# (the official libtorch-shared-with-deps-2.10.0+cu128 zip, unpacked) as the build context "libtorch":
#   docker build -f deploy/docker/silo-cuda.Dockerfile --build-context libtorch=/path/to/libtorch -t ttmcluster/silo-cuda:0.2.0 .
# or build FROM an image that already holds it and copy its lib/ the same way. Needs the NVIDIA container runtime
# on the node (the device plugin exposes nvidia.com/gpu).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS publish
WORKDIR /src
COPY . .
RUN apt-get update && apt-get install -y --no-install-recommends npm && build/publish.sh silo /out \
 && rm -f /out/libtorch*.so /out/libc10*.so /out/libgomp*.so* /out/libbackend_with_compiler.so /out/libaoti_custom_ops.so

FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg libgomp1 libicu74 ca-certificates && rm -rf /var/lib/apt/lists/*
COPY --from=publish --chown=10001:10001 /out /app
COPY --from=libtorch --chown=10001:10001 lib/ /app/
ENV Ttm__Device=cuda:0
USER 10001:10001
WORKDIR /tmp
EXPOSE 11111 30000 8081
ENTRYPOINT ["/app/Ttm.Silo"]
