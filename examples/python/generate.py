"""Generate a video through a TtmCluster gateway with Python's grpcio, printing every event as it arrives.

    /usr/bin/python3 examples/python/generate.py --server 127.0.0.1:5080 --api-key "$(cat artifacts/api-key)" \
        --image samples/two-squares.png --prompt "The red square moves right." --out out/python

Needs Debian's python3-grpcio and python3-protobuf; the stubs are generated from the proto at start (protoc with the
gRPC Python plugin: Debian's protobuf-compiler, protobuf-compiler-grpc and libprotobuf-dev), so they always match it.
If the connection drops, it resumes with Watch after the last seq it saw: no gap, no duplicate.
"""
import argparse
import importlib
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROTOS = os.path.join(ROOT, "src", "Ttm.Protos", "Protos")


def stubs():
    """generation_pb2 and generation_pb2_grpc, generated from the project's proto into a temporary folder."""
    out = tempfile.mkdtemp(prefix="ttm-stubs-")
    subprocess.run(["protoc", f"-I{PROTOS}", "-I/usr/include", f"--python_out={out}", f"--grpc_python_out={out}",
                    "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin", "ttm/v1/generation.proto"], check=True)
    sys.path.insert(0, out)
    return importlib.import_module("ttm.v1.generation_pb2"), importlib.import_module("ttm.v1.generation_pb2_grpc")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="127.0.0.1:5080", help="gateway host:port (gRPC, h2c)")
    parser.add_argument("--api-key", default=os.environ.get("TTM_API_KEY"), help="the tenant's key (default $TTM_API_KEY)")
    parser.add_argument("--image", required=True)
    parser.add_argument("--prompt", required=True)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="out/python")
    args = parser.parse_args()
    pb, rpc = stubs()
    import grpc

    channel = grpc.insecure_channel(args.server)
    client = rpc.GenerationServiceStub(channel)
    auth = [("authorization", f"Bearer {args.api_key}")]
    with open(args.image, "rb") as f:
        request = pb.GenerateRequest(image=f.read(), prompt=args.prompt, seed=args.seed, motion_steps=args.steps,
                                     video_steps=args.steps, preview_every=2,
                                     request_id=f"python-{os.getpid()}-{time.time_ns()}")  # a retry finds the same job
    os.makedirs(args.out, exist_ok=True)
    video, last, generation_id = bytearray(), 0, None
    while True:
        stream = (client.Generate(request, metadata=auth) if generation_id is None
                  else client.Watch(pb.WatchRequest(generation_id=generation_id, after_seq=last), metadata=auth))
        try:
            for event in stream:
                if event.seq <= last:
                    continue
                last, generation_id = event.seq, event.generation_id
                kind = event.WhichOneof("event")
                if kind == "video_chunk":
                    video += event.video_chunk.data
                detail = {"plan": lambda: event.plan.motion_prompt,
                          "motion_preview": lambda: f"step {event.motion_preview.step}/{event.motion_preview.steps}",
                          "video_preview": lambda: f"step {event.video_preview.step}/{event.video_preview.steps}",
                          "failed": lambda: f"{event.failed.stage}: {event.failed.message}",
                          "cancelled": lambda: event.cancelled.reason}.get(kind, lambda: "")()
                print(f"#{event.seq} {kind} {detail}".rstrip(), flush=True)
                if kind == "completed":
                    path = os.path.join(args.out, "video.mp4")
                    with open(path, "wb") as f:
                        f.write(video)
                    print(f"video: {path} ({len(video)} bytes), id {generation_id}")
                    return 0
                if kind in ("failed", "cancelled"):
                    return 1
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.UNAVAILABLE:
                print(f"error ({error.code().name}): {error.details()}", file=sys.stderr)
                return 2
            time.sleep(0.5)  # dropped: resume after the last seq
            continue
        time.sleep(0.5)  # the stream ended before the generation did: resume


if __name__ == "__main__":
    sys.exit(main())
