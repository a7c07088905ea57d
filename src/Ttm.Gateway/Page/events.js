// Follows a generation's event log (GET /v1/videos/{id}/events, Server-Sent Events) with the tenant's key, and resumes
// after a dropped connection from the last seq it saw (Last-Event-ID): no gap, no duplicate. fetch, not EventSource:
// EventSource cannot send an Authorization header.

// The last event of a stream: the end, or the review a generation rests in until Continue (stop_after_motion).
const terminal = new Set(["completed", "failed", "cancelled", "awaiting_review"]);

/**
 * @param {string} id generation id
 * @param {string} key API key
 * @param {{onEvent: (kind: string, event: object) => void, onReconnect?: (attempt: number, after: number) => void,
 *          signal?: AbortSignal, after?: number}} handlers
 * @returns {Promise<string>} the kind of the last event: completed, failed, cancelled or awaiting_review
 */
export async function followEvents(id, key, { onEvent, onReconnect = () => {}, signal, after = 0 }) {
  let last = after;
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) {
      onReconnect(attempt, last);
      await sleep(Math.min(5000, 250 * 2 ** Math.min(attempt, 5)), signal);
    }
    let response;
    try {
      response = await fetch(`/v1/videos/${encodeURIComponent(id)}/events`, {
        headers: { Authorization: `Bearer ${key}`, "Last-Event-ID": String(last), Accept: "text/event-stream" },
        signal, cache: "no-store",
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      continue; // the network is down: try again
    }
    if (!response.ok) {
      if (response.status >= 500 || response.status === 429) continue;
      throw new Error(await errorMessage(response));
    }
    try {
      for await (const message of messages(response.body)) {
        if (message.event === "error") throw new Error(JSON.parse(message.data).error.message);
        const seq = Number(message.id);
        if (!(seq > last)) continue; // never twice
        last = seq;
        onEvent(message.event, JSON.parse(message.data));
        if (terminal.has(message.event)) return message.event;
      }
    } catch (error) {
      if (signal?.aborted || !(error instanceof TypeError)) throw error; // TypeError: the connection broke mid-stream
    }
    // The stream ended before the generation did (a proxy, a dropped connection): resume after the last seq.
  }
}

/** The API's JSON error message, or the HTTP status. */
export async function errorMessage(response) {
  try {
    return (await response.json()).error.message;
  } catch {
    return `HTTP ${response.status}`;
  }
}

/** Server-Sent Events from a byte stream: {id, event, data} per blank-line-terminated block; comments skipped. */
async function* messages(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const message = { id: "", event: "message", data: "" };
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "data") message.data += (message.data ? "\n" : "") + text;
        else if (field === "id" || field === "event") message[field] = text;
      }
      if (message.data) yield message;
    }
  }
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => { clearTimeout(timer); reject(signal.reason); }, { once: true });
  });
}
