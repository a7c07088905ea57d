#!/usr/bin/env bash
# Generate a video through the REST API with curl: create the job, follow its events (Server-Sent Events), download the MP4.
#   examples/curl/generate.sh http://127.0.0.1:5082 "$(cat artifacts/api-key)" samples/two-squares.png "The red square moves right." out/curl
set -euo pipefail
server="$1" key="$2" image="$3" prompt="$4" out="${5:-out/curl}"
mkdir -p "$out"
auth=(-H "Authorization: Bearer $key")

# POST /v1/videos: multipart, the image as input_reference. A refused request is an HTTP error with {"error": {code, message}}.
job=$(curl -sS --fail-with-body "${auth[@]}" -F "input_reference=@$image" -F "prompt=$prompt" -F steps=4 -F seed=1 "$server/v1/videos")
id=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"$job")
echo "job $id"

# GET /v1/videos/{id}/events: one "event:" line per event, until completed, failed or cancelled (-N: no buffering).
# After a dropped connection, send -H "Last-Event-ID: <last id seen>" to resume with no gap.
curl -sS -N --fail-with-body "${auth[@]}" "$server/v1/videos/$id/events" | while IFS= read -r line; do
  case "$line" in event:*) echo "${line#event: }" ;; esac
done

status=$(curl -sS --fail-with-body "${auth[@]}" "$server/v1/videos/$id" | sed -n 's/.*"status":"\([^"]*\)".*/\1/p')
echo "status $status"
[ "$status" = completed ] || exit 1
# GET /v1/videos/{id}/content: the MP4 (range requests work: curl -r 0-1023); ?variant=trajectory|overlay for the others.
curl -sS --fail-with-body "${auth[@]}" -o "$out/video.mp4" "$server/v1/videos/$id/content"
curl -sS --fail-with-body "${auth[@]}" -o "$out/trajectory.mp4" "$server/v1/videos/$id/content?variant=trajectory"
echo "video: $out/video.mp4 ($(stat -c %s "$out/video.mp4") bytes)"
