# syntax=docker/dockerfile:1
# The gateway: build/publish.sh gateway (self-contained, no libtorch), copied onto runtime-deps and run as a non-root
# user. Build from the repository root: docker build -f deploy/docker/gateway.Dockerfile -t ttmcluster/gateway:0.2.0 .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS publish
WORKDIR /src
COPY . .
RUN build/publish.sh gateway /out

FROM mcr.microsoft.com/dotnet/runtime-deps:10.0
COPY --from=publish --chown=10001:10001 /out /app
USER 10001:10001
WORKDIR /tmp
EXPOSE 8080 8081 8082
ENTRYPOINT ["/app/Ttm.Gateway"]
