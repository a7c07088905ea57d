# syntax=docker/dockerfile:1
# A silo, CPU build: build/publish.sh silo (self-contained, libtorch CPU, the shipped models and the segmenter under
# /app) plus Debian's ffmpeg for encoding. Plain and accelerator silos are this one image; Ttm__Role says which.
# Build from the repository root: docker build -f deploy/docker/silo.Dockerfile -t ttmcluster/silo:0.2.0 .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS publish
WORKDIR /src
COPY . .
RUN apt-get update && apt-get install -y --no-install-recommends npm && build/publish.sh silo /out

FROM mcr.microsoft.com/dotnet/runtime-deps:10.0
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg libgomp1 && rm -rf /var/lib/apt/lists/*
COPY --from=publish --chown=10001:10001 /out /app
USER 10001:10001
WORKDIR /tmp
EXPOSE 11111 30000 8081
ENTRYPOINT ["/app/Ttm.Silo"]
