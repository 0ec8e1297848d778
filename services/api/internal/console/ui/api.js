// The console's one way to the server: the public /v1 API with the tab's
// bearer token. The token lives in sessionStorage (this tab only, gone when
// it closes) and travels in the Authorization header, never in a URL.

const tokenKey = "slipway.token";

export function token() { return sessionStorage.getItem(tokenKey) || ""; }
export function setToken(t) { t ? sessionStorage.setItem(tokenKey, t) : sessionStorage.removeItem(tokenKey); }

// ApiError is a refused or failed call: status, and the problem+json body
// (title, detail, errors[{field, message}], reason) when the server sent one.
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
  // fieldErrors maps a field's JSON path to its message.
  get fieldErrors() {
    const m = new Map();
    for (const e of this.problem.errors || []) m.set(e.field, e.message);
    return m;
  }
}

function headers(extra) {
  const h = new Headers(extra || {});
  const t = token();
  if (t) h.set("Authorization", "Bearer " + t);
  return h;
}

// call sends one request. body, when given, is JSON (a merge patch for
// PATCH); opts.etag sets If-Match. It resolves to {status, body, etag}.
export async function call(method, path, body, opts = {}) {
  const h = headers();
  if (body !== undefined) h.set("Content-Type", method === "PATCH" ? "application/merge-patch+json" : "application/json");
  if (opts.etag) h.set("If-Match", opts.etag);
  if (method !== "GET") h.set("Idempotency-Key", crypto.randomUUID());
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), signal: opts.signal });
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new ApiError(0, { title: "The server cannot be reached", detail: String(e.message || e) });
  }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { detail: text }; }
  if (!res.ok) {
    const err = new ApiError(res.status, data || {});
    if (res.status === 401) window.dispatchEvent(new CustomEvent("slipway:unauthenticated", { detail: err }));
    throw err;
  }
  return { status: res.status, body: data, etag: res.headers.get("ETag") };
}

export const get = (path, opts) => call("GET", path, undefined, opts).then((r) => r.body);

// query builds a query string from an object, repeating array values and
// leaving out empty ones.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) v.filter((x) => x !== "").forEach((x) => q.append(k, x));
    else if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s ? "?" + s : "";
}

export function deploymentPath(id) {
  const [owner, project, name] = id.split("/");
  return `/v1/projects/${encodeURIComponent(owner)}/${encodeURIComponent(project)}/deployments/${encodeURIComponent(name)}`;
}

// etagSeq is the history sequence an ETag "<version>.<sequence>" carries.
export function etagSeq(etag) {
  const m = /"(\d+)\.(\d+)"/.exec(etag || "");
  return m ? Number(m[2]) : 0;
}

// getFresh reads a deployment until its history has reached sequence seq
// (the read models follow the event stream by a few milliseconds), at most
// about two seconds, then answers what it has.
export async function getFresh(id, seq) {
  let r;
  for (let i = 0; i < 12; i++) {
    try {
      r = await call("GET", deploymentPath(id));
    } catch (e) {
      // Not projected yet (its creation is the event being followed).
      if (!(e instanceof ApiError) || e.status !== 404 || i === 11) throw e;
      await new Promise((ok) => setTimeout(ok, 50 * (i + 1)));
      continue;
    }
    if (!seq || etagSeq(r.etag) >= seq) break;
    await new Promise((ok) => setTimeout(ok, 50 * (i + 1)));
  }
  return r;
}

// events follows GET /v1/events with fetch (EventSource cannot send the
// Authorization header), parsing Server-Sent Events from the body stream.
// onEvent gets {id, type, data} per event; onState gets "live" or
// "reconnecting". It reconnects with Last-Event-ID, so nothing is missed,
// until signal aborts.
export async function events(params, onEvent, onState, signal) {
  let last = "";
  let wait = 500;
  while (!signal.aborted) {
    try {
      const h = headers({ Accept: "text/event-stream" });
      if (last) h.set("Last-Event-ID", last);
      const res = await fetch("/v1/events" + query(params), { headers: h, signal });
      if (res.status === 401) {
        window.dispatchEvent(new CustomEvent("slipway:unauthenticated"));
        return;
      }
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      onState("live");
      wait = 500;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let cut;
        while ((cut = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          const ev = parseBlock(block);
          if (ev.id) last = ev.id;
          if (ev.data) {
            try { onEvent({ id: Number(ev.id), type: ev.event, data: JSON.parse(ev.data) }); } catch (e) { console.error(e); }
          }
        }
      }
    } catch (e) {
      if (signal.aborted) return;
    }
    onState("reconnecting");
    await new Promise((ok) => setTimeout(ok, wait));
    wait = Math.min(wait * 2, 8000);
  }
}

function parseBlock(block) {
  const ev = { id: "", event: "", data: "" };
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const i = line.indexOf(":");
    const k = i < 0 ? line : line.slice(0, i);
    const v = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
    if (k === "data") ev.data += (ev.data ? "\n" : "") + v;
    else if (k === "id" || k === "event") ev[k] = v;
  }
  return ev;
}
