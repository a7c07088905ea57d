#!/usr/bin/env bash
# What the client tests drive the server with, from Debian's packages when missing: chromium (the live page, through
# Playwright), curl (the REST example), python3-grpcio, protoc with the well-known types and its gRPC Python plugin (the
# Python example's stubs and calls).
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v curl >/dev/null 2>&1 || missing+=(curl)
/usr/bin/python3 -c "import grpc, google.protobuf" >/dev/null 2>&1 || missing+=(python3-grpcio python3-protobuf)
command -v protoc >/dev/null 2>&1 || missing+=(protobuf-compiler)
[ -f /usr/include/google/protobuf/timestamp.proto ] || missing+=(libprotobuf-dev) # the well-known types the proto imports
command -v grpc_python_plugin >/dev/null 2>&1 || missing+=(protobuf-compiler-grpc)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "missing: ${missing[*]} (Debian: apt-get install --no-install-recommends ${missing[*]})" >&2
  exit 1
fi
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
