// The live page: start a generation over the REST API, watch its plan, masks, previews and progress as they arrive,
// cancel it, then play and download the result. Asked to review the motion first, it rests at awaiting_review with the
// first frame in the motion editor (paths.js): drag objects along new paths, then render. A completed one can be varied:
// other seeds on the same motion, side by side. State for tests and assistive technology: body[data-state] is
// idle | starting | running | awaiting_review | completed | failed | cancelled; window.ttmPage holds the seqs seen, the
// reconnects and the variations' ids.
import { followEvents, errorMessage } from "./events.js";
import { pathEditor } from "./paths.js";

const $ = (id) => document.getElementById(id);
const page = (window.ttmPage = { seqs: [], reconnects: 0, id: null, variations: [] });
let image = null; // the chosen first frame (a Blob)
let running = null; // {id, abort}
let masksPng = null; // the last segmentation's masks (base64 PNG): the editor finds the dragged object in them
const editor = pathEditor($("editor"), { onChange: showPaths });

// The key: from the address's fragment (./ttm serve prints it; browsers never send fragments), then kept in this tab only.
const fromFragment = new URLSearchParams(location.hash.slice(1)).get("key");
if (fromFragment) {
  sessionStorage.setItem("ttm-key", fromFragment);
  history.replaceState(null, "", location.pathname);
}
$("key").value = sessionStorage.getItem("ttm-key") ?? "";
$("key").addEventListener("change", () => sessionStorage.setItem("ttm-key", $("key").value.trim()));

$("image").addEventListener("change", () => choose($("image").files[0] ?? null));
$("use-sample").addEventListener("click", async () => choose(await (await fetch("/samples/two-squares.png")).blob()));
$("start").addEventListener("submit", (e) => { e.preventDefault(); start(); });
$("cancel").addEventListener("click", cancel);
$("clear-paths").addEventListener("click", () => editor.clear());
$("render").addEventListener("click", render);
$("vary").addEventListener("click", vary);

function choose(blob) {
  image = blob;
  $("chosen").hidden = !blob;
  if (blob) $("chosen").src = URL.createObjectURL(blob);
}

function key() { return $("key").value.trim(); }

function setState(state, text) {
  document.body.dataset.state = state;
  $("status").textContent = text;
  $("start-button").disabled = state === "starting" || state === "running";
  $("cancel").disabled = state !== "running";
  $("render").disabled = $("clear-paths").disabled = state !== "awaiting_review";
  $("vary").disabled = state !== "completed";
}

function showError(text) {
  $("error").hidden = !text;
  $("error").textContent = text ?? "";
}

function reset() {
  page.seqs = []; page.reconnects = 0; page.id = null; page.variations = []; page.review = null; masksPng = null;
  for (const id of ["masks", "motion-preview", "video-preview", "result", "download", "editor-section"]) $(id).hidden = true;
  $("variations").replaceChildren(); $("paths").replaceChildren();
  for (const id of ["motion-progress", "video-progress"]) $(id).value = 0;
  $("plan").replaceChildren(); $("log").replaceChildren();
  for (const id of ["planner", "job-id", "queue", "stage", "motion-step", "video-step"]) $(id).textContent = "–";
  showError(null);
}

async function start() {
  if (!image) { showError("Choose an image first (or use the sample)."); return; }
  if (!key()) { showError("Enter an API key."); return; }
  sessionStorage.setItem("ttm-key", key());
  reset();
  setState("starting", "Sending the image…");
  const form = new FormData();
  form.append("input_reference", image, "image.png");
  form.append("prompt", $("prompt").value);
  if ($("steps").value) {
    form.append("steps", $("steps").value);
    form.append("preview_every", String(Math.max(1, Math.floor(Number($("steps").value) / 4)))); // about four previews a stage
  }
  if ($("seed").value) form.append("seed", $("seed").value);
  if ($("review").checked) form.append("stop_after_motion", "true");
  let job;
  try {
    const response = await fetch("/v1/videos", { method: "POST", body: form, headers: { Authorization: `Bearer ${key()}` } });
    if (!response.ok) throw new Error(await errorMessage(response));
    job = await response.json();
  } catch (error) {
    setState("idle", "Not started.");
    showError(error.message);
    return;
  }
  page.id = job.id;
  $("job-id").textContent = job.id;
  await follow(job.id, 0);
}

/** Follows the generation's events after a seq until it ends or awaits review. */
async function follow(id, after) {
  const abort = new AbortController();
  running = { id, abort };
  setState("running", "Running…");
  try {
    const end = await followEvents(id, key(), {
      signal: abort.signal,
      after,
      onEvent: show,
      onReconnect: (attempt, last) => {
        page.reconnects++;
        $("status").textContent = `Connection lost; reconnecting (attempt ${attempt}, after event ${last})…`;
      },
    });
    if (end === "completed") await showResult(id);
    if (end === "awaiting_review") await review();
  } catch (error) {
    if (!abort.signal.aborted) { setState("failed", "Lost the generation."); showError(error.message); }
  } finally {
    if (running?.id === id) running = null;
  }
}

/** The trajectory awaits review: the first frame in the editor, its objects draggable. */
async function review() {
  $("editor-section").hidden = false;
  await editor.load(URL.createObjectURL(image), masksPng ? png(masksPng) : null, page.review.objects ?? []);
  setState("awaiting_review", "The motion awaits review: drag an object along the path it should take, then render.");
  $("editor-section").scrollIntoView({ block: "nearest" });
}

function showPaths(paths) {
  const objects = page.review?.objects ?? [];
  $("paths").replaceChildren(...[...paths.keys()].map((object) => {
    const item = document.createElement("li");
    item.textContent = `${objects[object] ?? `object ${object}`}: a path of ${paths.get(object).length} points`;
    return item;
  }));
}

/** Runs the video stage on the reviewed motion, the dragged objects on their paths. */
async function render() {
  const id = page.id;
  setState("starting", "Asking for the video…");
  const response = await fetch(`/v1/videos/${encodeURIComponent(id)}/continue`, {
    method: "POST", body: JSON.stringify({ paths: editor.request() }),
    headers: { Authorization: `Bearer ${key()}`, "Content-Type": "application/json" },
  });
  if (!response.ok) { setState("awaiting_review", "Not rendered."); showError(await errorMessage(response)); return; }
  showError(null);
  await follow(id, page.seqs[page.seqs.length - 1] ?? 0);
}

/** Another video from the completed one's motion with another seed: a job of its own, shown beside the others. */
async function vary() {
  const seed = Math.floor(Math.random() * 2 ** 31);
  const figure = document.createElement("figure");
  const caption = document.createElement("figcaption");
  caption.textContent = `Seed ${seed}: starting…`;
  figure.append(caption);
  $("variations").append(figure);
  const response = await fetch(`/v1/videos/${encodeURIComponent(page.id)}/variations`, {
    method: "POST", body: JSON.stringify({ seed }), headers: { Authorization: `Bearer ${key()}`, "Content-Type": "application/json" },
  });
  if (!response.ok) { caption.textContent = `Seed ${seed}: ${await errorMessage(response)}`; return; }
  const job = await response.json();
  page.variations.push(job.id);
  try {
    const end = await followEvents(job.id, key(), {
      onEvent: (kind, e) => {
        if (kind === "video_preview") caption.textContent = `Seed ${seed}: step ${e.video_preview.step} of ${e.video_preview.steps}`;
      },
    });
    if (end !== "completed") { caption.textContent = `Seed ${seed}: ${end}`; return; }
    const content = await fetch(`/v1/videos/${encodeURIComponent(job.id)}/content`, { headers: { Authorization: `Bearer ${key()}` } });
    if (!content.ok) { caption.textContent = `Seed ${seed}: ${await errorMessage(content)}`; return; }
    const video = document.createElement("video");
    Object.assign(video, { controls: true, loop: true, muted: true, playsInline: true, src: URL.createObjectURL(await content.blob()) });
    video.setAttribute("aria-label", `Variation with seed ${seed}`);
    figure.prepend(video);
    caption.textContent = `Seed ${seed} (${job.id})`;
    video.play().catch(() => {});
  } catch (error) {
    caption.textContent = `Seed ${seed}: ${error.message}`;
  }
}

async function cancel() {
  if (!running) return;
  $("cancel").disabled = true;
  const response = await fetch(`/v1/videos/${encodeURIComponent(running.id)}/cancel`, { method: "POST", headers: { Authorization: `Bearer ${key()}` } });
  if (!response.ok) showError(await errorMessage(response));
  // The stream's cancelled event ends the run.
}

function png(base64) { return `data:image/png;base64,${base64}`; }

function log(kind, text) {
  const item = document.createElement("li");
  item.textContent = `${kind}${text ? `: ${text}` : ""}`;
  $("log").append(item);
}

/** A stage's clean estimate after a step: its picture, progress bar and step count. */
function preview(stage, p) {
  $(`${stage}-preview`).src = png(p.frames_png);
  $(`${stage}-preview`).hidden = false;
  $(`${stage}-progress`).value = (100 * p.step) / p.steps;
  $(`${stage}-step`).textContent = `(step ${p.step} of ${p.steps})`;
}

/** One event of the log, in the proto's JSON (field names as in generation.proto). */
function show(kind, e) {
  page.seqs.push(Number(e.seq));
  switch (kind) {
    case "accepted":
      $("queue").textContent = String(e.accepted.queue_position ?? 0);
      $("stage").textContent = "plan";
      log(kind, `queue position ${e.accepted.queue_position ?? 0}`);
      break;
    case "plan": {
      $("planner").textContent = `${e.plan.motion_prompt} (${e.plan.planner})`;
      $("plan").replaceChildren(...(e.plan.objects ?? []).map((o) => {
        const item = document.createElement("li");
        item.textContent = `${o.name}: ${o.local_prompt}`;
        return item;
      }));
      $("stage").textContent = "segment";
      log(kind, e.plan.motion_prompt);
      break;
    }
    case "segmentation":
      masksPng = e.segmentation.mask_png;
      $("masks").src = png(e.segmentation.mask_png);
      $("masks").hidden = false;
      $("stage").textContent = "motion";
      log(kind, (e.segmentation.objects ?? []).map((o) => `${o.name} (${o.method})`).join(", "));
      break;
    case "motion_preview":
      preview("motion", e.motion_preview);
      log(kind, `step ${e.motion_preview.step}/${e.motion_preview.steps}`);
      break;
    case "motion_done":
      $("motion-preview").src = png(e.motion_done.frames_png);
      $("motion-preview").hidden = false;
      $("motion-progress").value = 100;
      $("motion-step").textContent = "(done)";
      $("stage").textContent = "video";
      log(kind);
      break;
    case "video_preview":
      preview("video", e.video_preview);
      log(kind, `step ${e.video_preview.step}/${e.video_preview.steps}`);
      break;
    case "video_chunk":
      $("video-progress").value = 100;
      $("stage").textContent = "encode";
      log(kind, `piece ${e.video_chunk.index ?? 0}${e.video_chunk.last ? " (last)" : ""}`);
      break;
    case "awaiting_review":
      page.review = e.awaiting_review;
      $("motion-preview").src = png(e.awaiting_review.trajectory_png);
      $("motion-preview").hidden = false;
      log(kind, (e.awaiting_review.objects ?? []).join(", "));
      break;
    case "continued":
      $("stage").textContent = "video";
      log(kind, `seed ${e.continued.seed}, edited objects ${(e.continued.edited_objects ?? []).join(", ") || "none"}`);
      break;
    case "completed":
      log(kind, Object.entries(e.completed.seconds ?? {}).map(([s, t]) => `${s} ${Number(t).toFixed(1)} s`).join(", "));
      setState("running", "Completed; fetching the video…");
      break;
    case "failed":
      log(kind, `${e.failed.stage}: ${e.failed.message}`);
      setState("failed", `Failed in ${e.failed.stage}.`);
      showError(e.failed.message);
      break;
    case "cancelled":
      log(kind, e.cancelled.reason);
      setState("cancelled", `Cancelled in ${e.cancelled.stage}.`);
      break;
    default:
      log(kind);
  }
}

async function showResult(id) {
  // A video element cannot send the key: fetch the MP4, then play it from memory.
  const response = await fetch(`/v1/videos/${encodeURIComponent(id)}/content`, { headers: { Authorization: `Bearer ${key()}` } });
  if (!response.ok) { setState("failed", "Completed, but the video could not be fetched."); showError(await errorMessage(response)); return; }
  const url = URL.createObjectURL(await response.blob());
  const video = $("result");
  video.src = url;
  video.hidden = false;
  $("download").href = url;
  $("download").download = `${id}.mp4`;
  $("download").hidden = false;
  setState("completed", "Completed.");
  video.play().catch(() => {}); // muted: browsers let it autoplay; the controls are there either way
}
