# syntax=docker/dockerfile:1
# The embedded mode (deploy/k8s/overlays/dev): build/publish.sh ttm, the CLI whose `serve` runs a silo and the gateway
# in one process, with the shipped models and the segmenter. Build from the repository root:
#   docker build -f deploy/docker/ttm.Dockerfile -t ttmcluster/ttm:0.2.0 .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS publish
WORKDIR /src
COPY . .
RUN apt-get update && apt-get install -y --no-install-recommends npm && build/publish.sh ttm /out

FROM mcr.microsoft.com/dotnet/runtime-deps:10.0
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg libgomp1 && rm -rf /var/lib/apt/lists/*
COPY --from=publish --chown=10001:10001 /out /app
USER 10001:10001
WORKDIR /tmp
EXPOSE 8080 8081 8082
ENTRYPOINT ["/app/ttm"]
