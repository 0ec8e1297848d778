// The pages around the deployments: the audit log, webhooks and their
// deliveries, targets and their reachability, API tokens.
import { call, get, query, ApiError } from "./api.js";
import { h, replace, badge, time, table, field, showProblem, problemBox, copyButton } from "./dom.js";
import { session, navigate } from "./app.js";

function failure(box, e) {
  if (!(e instanceof ApiError)) throw e;
  replace(box, problemBox(e, e.problem.errors));
}

// pagedList draws rows of GET path a page at a time (cursor paging), read
// again when an event may have changed it.
function pagedList(path, params, headers, row, caption) {
  const body = h("tbody");
  const errors = h("div");
  const pager = h("div", { class: "pager" });
  const cursors = [""];
  let timer = null;
  async function load() {
    try {
      const r = await get(path + query({ ...params, cursor: cursors[cursors.length - 1] }));
      replace(errors);
      replace(body, r.items.length ? r.items.map(row) : h("tr", {}, h("td", { colspan: String(headers.length), class: "muted" }, "Nothing here.")));
      replace(pager,
        h("button", { type: "button", disabled: cursors.length < 2, onclick: () => { cursors.pop(); load(); } }, "Previous page"),
        h("button", { type: "button", disabled: !r.nextCursor, onclick: () => { cursors.push(r.nextCursor); load(); } }, "Next page"));
    } catch (e) { failure(errors, e); }
  }
  load();
  return {
    el: h("div", {}, errors, table(headers, body, caption), pager),
    reload() { if (cursors.length === 1) { clearTimeout(timer); timer = setTimeout(load, 150); } },
  };
}

export function auditPage(params) {
  const names = ["actor", "project", "deployment", "kind", "status", "from", "to"];
  const inputs = {};
  const form = h("form", { class: "filters", role: "search", "aria-label": "Filter the audit log" });
  for (const n of names) {
    let c;
    if (n === "status") c = h("select", {}, ["", "accepted", "running", "succeeded", "failed", "rejected", "denied"].map((v) => h("option", { value: v }, v || "Any status")));
    else if (n === "from" || n === "to") c = h("input", { type: "datetime-local", step: "1" });
    else c = h("input", { type: "text", spellcheck: "false" });
    c.name = n;
    const v = params.get(n) || "";
    c.value = (n === "from" || n === "to") && v ? toLocalInput(v) : v;
    inputs[n] = c;
    form.append(field({ actor: "Actor", project: "Project", deployment: "Deployment", kind: "Kind", status: "Status", from: "From (your time)", to: "To (your time)" }[n], c, n));
  }
  form.append(h("div", { class: "form-summary" }), h("div", { class: "field actions" }, h("button", { type: "submit", class: "primary" }, "Filter")));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const q = {};
    for (const n of names) {
      const v = inputs[n].value;
      q[n] = (n === "from" || n === "to") && v ? new Date(v).toISOString() : v.trim();
    }
    navigate("/audit" + query(q));
  });
  const q = {};
  for (const n of names) if (params.get(n)) q[n] = params.get(n);
  const list = pagedList("/v1/audit", q, ["When", "Actor", "What", "Deployment", "Status", "Detail"], (o) => h("tr", {},
    h("td", {}, time(o.acceptedAt)), h("td", {}, o.actor), h("td", {}, (o.kind || "").replaceAll("_", " ")),
    h("td", {}, o.deployment ? h("a", { href: `#/d/${o.deployment}` }, o.deployment) : "—"),
    h("td", {}, badge(o.status, "status")),
    h("td", {}, o.revision ? `revision ${o.revision} ` : "", o.reason || "", o.message ? ` ${o.message}` : "", o.error ? ` ${o.error}` : "")), "Audit log");
  return { el: h("section", {}, h("h1", {}, "Audit log"), form, list.el), onEvent: () => list.reload() };
}

function toLocalInput(iso) {
  const d = new Date(iso);
  if (isNaN(d)) return "";
  const off = d.getTimezoneOffset() * 60000;
  return new Date(d.getTime() - off).toISOString().slice(0, 19);
}

export function webhooksPage() {
  const list = h("div");
  const deliveries = h("div");
  const note = h("div", { role: "status", "aria-live": "polite" });
  async function load() {
    try {
      const r = await get("/v1/webhooks");
      replace(list, table(["Webhook", "Events", "Project", "Created", ""], r.items.map((w) => h("tr", {},
        h("td", {}, h("code", {}, w.url), w.description ? h("div", { class: "muted small" }, w.description) : null),
        h("td", {}, (w.events || []).join(", ")), h("td", {}, w.project || "all"), h("td", {}, time(w.createdAt)),
        h("td", {}, h("button", { type: "button", class: "small", onclick: () => showDeliveries(w) }, "Deliveries"), " ",
          h("button", { type: "button", class: "small danger", onclick: () => remove(w) }, "Delete")))), "Webhooks"));
    } catch (e) { failure(list, e); }
  }
  let shown = null;
  let again = null;
  async function showDeliveries(w) {
    shown = w;
    try {
      const r = await get(`/v1/webhooks/${encodeURIComponent(w.id)}/deliveries` + query({ limit: 50 }));
      replace(deliveries, h("h2", {}, "Deliveries to ", h("code", {}, w.url)), table(["Event", "State", "Attempts", "Last answer", "Last attempt", ""],
        r.items.map((d) => h("tr", {}, h("td", {}, d.eventType, h("div", { class: "muted small" }, `#${d.eventSeq}`)), h("td", {}, badge(d.state, "delivery")),
          h("td", {}, String(d.attempts)), h("td", {}, d.lastStatus ? `HTTP ${d.lastStatus}` : "", d.lastError ? ` ${d.lastError}` : ""),
          h("td", {}, time(d.lastAttemptAt)),
          h("td", {}, h("button", { type: "button", class: "small", onclick: () => redeliver(w, d) }, "Redeliver")))), "Deliveries"));
    } catch (e) { failure(deliveries, e); }
  }
  async function redeliver(w, d) {
    try {
      await call("POST", `/v1/webhooks/${encodeURIComponent(w.id)}/deliveries/${encodeURIComponent(d.id)}/redeliver`);
      replace(note, h("p", { class: "ok-note" }, `Event #${d.eventSeq} is being delivered again.`));
      showDeliveries(w);
    } catch (e) { failure(note, e); }
  }
  async function remove(w) {
    if (!confirm(`Delete the webhook to ${w.url}?`)) return;
    try { await call("DELETE", `/v1/webhooks/${encodeURIComponent(w.id)}`); load(); } catch (e) { failure(note, e); }
  }
  const url = h("input", { type: "url", required: true, placeholder: "https://hooks.example.com/slipway" });
  const evs = h("input", { type: "text", value: "slipway.deployment.*", spellcheck: "false" });
  const proj = h("input", { type: "text", placeholder: "owner/project (empty: every project you may read)", spellcheck: "false" });
  const desc = h("input", { type: "text" });
  const form = h("form", { class: "card", "aria-label": "New webhook" }, h("h2", {}, "New webhook"), h("div", { class: "form-summary" }),
    field("URL", url, "url"), field("Events", evs, "events", "types, comma separated; a trailing * is a prefix"), field("Project", proj, "project"), field("Description", desc, "description"),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Create webhook")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { url: url.value.trim(), events: evs.value.split(",").map((s) => s.trim()).filter(Boolean) };
    if (proj.value.trim()) body.project = proj.value.trim();
    if (desc.value.trim()) body.description = desc.value.trim();
    try {
      const r = await call("POST", "/v1/webhooks", body);
      showProblem(form, null);
      replace(note, h("div", { class: "ok-note" }, h("p", {}, "Webhook created. Its signing secret, shown this once:"), h("code", {}, r.body.secret), " ", copyButton(r.body.secret, "signing secret")));
      form.reset();
      load();
    } catch (x) { if (!(x instanceof ApiError)) throw x; showProblem(form, x); }
  });
  load();
  return {
    el: h("section", {}, h("h1", {}, "Webhooks"), note, list, deliveries, form),
    onEvent: () => { if (shown) { clearTimeout(again); again = setTimeout(() => showDeliveries(shown), 500); } },
  };
}

export function targetsPage() {
  const list = h("div");
  async function load() {
    try {
      const r = await get("/v1/targets");
      replace(list, table(["Target", "Reachability", "Base URL", "Instance types", "Source"], r.items.map((t) => h("tr", {},
        h("td", {}, t.name, t.default ? h("span", { class: "muted" }, " (default)") : null, h("div", { class: "muted small" }, t.namespace)),
        h("td", {}, badge(t.status?.reachable ? "reachable" : "unreachable", "target"), h("div", { class: "muted small" },
          t.status?.error || "", t.status?.serverVersion ? ` Kubernetes ${t.status.serverVersion}` : "", " checked ", time(t.status?.lastCheckedAt))),
        h("td", {}, h("code", {}, t.baseURL || "")),
        h("td", {}, Object.entries(t.instanceTypes || {}).sort().map(([n, r]) => h("div", {}, h("code", {}, n), ` ${r.cpu} CPU, ${r.memory}${r.gpu ? `, ${r.gpu} GPU` : ""}`))),
        h("td", {}, t.source || ""))), "Targets"));
    } catch (e) { failure(list, e); }
  }
  load();
  const timer = setInterval(load, 15000); // reachability is checked every 15 s and is not an event
  return { el: h("section", {}, h("h1", {}, "Targets"), list), close: () => clearInterval(timer) };
}

export function tokensPage() {
  const list = h("div");
  const note = h("div", { role: "status", "aria-live": "polite" });
  async function load() {
    try {
      const r = await get("/v1/tokens");
      replace(list, table(["Name", "Roles", "Created", "Expires", ""], r.items.map((t) => h("tr", {},
        h("td", {}, t.name, h("div", { class: "muted small" }, t.id)),
        h("td", {}, t.globalAdmin ? "global admin" : (t.grants || []).map((g) => `${g.role} on ${g.project}`).join(", ")),
        h("td", {}, time(t.createdAt), " by ", t.createdBy), h("td", {}, t.revokedAt ? ["revoked ", time(t.revokedAt)] : time(t.expiresAt)),
        h("td", {}, t.revokedAt ? null : h("button", { type: "button", class: "small danger", onclick: () => revoke(t) }, "Revoke")))), "API tokens"));
    } catch (e) { failure(list, e); }
  }
  async function revoke(t) {
    if (!confirm(`Revoke the token ${t.name}? Anything using it stops working.`)) return;
    try { await call("DELETE", `/v1/tokens/${encodeURIComponent(t.id)}`); load(); } catch (e) { failure(note, e); }
  }
  const name = h("input", { type: "text", required: true });
  const grants = h("input", { type: "text", placeholder: "acme/fraud=deployer, acme/*=viewer", spellcheck: "false" });
  const life = h("input", { type: "text", placeholder: "2160h (90 days)" });
  const form = h("form", { class: "card", "aria-label": "New API token" }, h("h2", {}, "New API token"), h("div", { class: "form-summary" }),
    field("Name", name, "name"), field("Grants", grants, "grants", "project=role, comma separated; roles: viewer, deployer, admin"), field("Expires in", life, "expiresIn"),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Create token")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { name: name.value.trim(), grants: grants.value.split(",").map((s) => s.trim()).filter(Boolean).map((s) => { const [project, role] = s.split("="); return { project: project.trim(), role: (role || "").trim() }; }) };
    if (life.value.trim()) body.expiresIn = life.value.trim();
    try {
      const r = await call("POST", "/v1/tokens", body);
      showProblem(form, null);
      replace(note, h("div", { class: "ok-note" }, h("p", {}, `Token ${r.body.name} created. It is shown this once:`), h("code", {}, r.body.token), " ", copyButton(r.body.token, "token")));
      form.reset();
      load();
    } catch (x) { if (!(x instanceof ApiError)) throw x; showProblem(form, x); }
  });
  load();
  return { el: h("section", {}, h("h1", {}, "API tokens"), note, list, session.can("global", "") ? form : null) };
}
