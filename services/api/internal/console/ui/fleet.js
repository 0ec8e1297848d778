// Fleet: the deployments, filtered as GET /v1/deployments filters them,
// a page at a time, kept current by the event stream.
import { get, query, getFresh, etagSeq, ApiError } from "./api.js";
import { applyEvent } from "./live.js";
import { h, replace, badge, time, table, problemBox } from "./dom.js";
import { navigate, session } from "./app.js";

const filters = ["target", "environment", "label", "search", "status", "health", "q"];

export function fleetPage(params) {
  const state = Object.fromEntries(filters.map((f) => [f, f === "label" ? params.getAll(f) : params.get(f) || ""]));
  const cursors = params.get("cursor") ? [params.get("cursor")] : [""];
  const limit = Number(params.get("limit")) || 50;
  const body = h("tbody");
  const status = h("p", { class: "muted", role: "status", "aria-live": "polite" });
  const pager = h("div", { class: "pager" });
  const errors = h("div");
  const rows = new Map(); // deployment id -> row
  let page = [];
  let next = "";
  let inflight = null;
  let again = false;

  const control = (name, label, el) => {
    el.name = name;
    el.id = "fleet-" + name;
    el.value = name === "label" ? state.label.join(", ") : name === "limit" ? String(limit) : state[name];
    return h("div", { class: "field" }, h("label", { for: el.id }, label), el);
  };
  const targetSelect = h("select", {}, h("option", { value: "" }, "All targets"));
  get("/v1/targets").then((r) => {
    for (const t of r.items) targetSelect.append(h("option", { value: t.name }, t.name));
    targetSelect.value = state.target;
  }).catch(() => {});
  const form = h("form", { class: "filters", role: "search", "aria-label": "Filter deployments" },
    control("search", "Name contains", h("input", { type: "search", placeholder: "scorer" })),
    control("target", "Target", targetSelect),
    control("environment", "Environment", h("input", { type: "text", placeholder: "prod" })),
    control("label", "Labels", h("input", { type: "text", placeholder: "team=risk, tier=1" })),
    control("status", "Phase", h("select", {}, ["", "Pending", "Progressing", "Running", "Failed"].map((v) => h("option", { value: v }, v || "Any phase")))),
    control("health", "Health", h("select", {}, ["", "Healthy", "Progressing", "Degraded", "Unavailable", "Unknown"].map((v) => h("option", { value: v }, v || "Any health")))),
    control("q", "Query", h("input", { type: "text", placeholder: "health=degraded and label.team=risk", class: "wide" })),
    control("limit", "Per page", h("select", {}, ["50", "100", "200", "500"].map((v) => h("option", { value: v }, v)))),
    h("div", { class: "field actions" }, h("button", { type: "submit", class: "primary" }, "Filter")));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const fd = new FormData(form);
    const q = {};
    for (const f of filters) q[f] = f === "label" ? String(fd.get(f) || "").split(",").map((s) => s.trim()).filter(Boolean) : fd.get(f);
    if (fd.get("limit") !== "50") q.limit = fd.get("limit");
    navigate("/" + query(q));
  });

  function row(d) {
    const link = h("a", { href: `#/d/${d.id}` }, d.name);
    const r = h("tr", { dataset: { id: d.id } },
      h("td", { "data-label": "Deployment" }, link, h("div", { class: "muted small" }, `${d.owner}/${d.project}`)),
      h("td", { "data-label": "Status" }, badge(d.phase, "phase"), " ", badge(d.health, "health")),
      h("td", { class: "mono wrap", "data-label": "Image" }, d.image),
      h("td", { "data-label": "Revision" }, `r${d.runningRevision ?? "—"}`, d.revision !== d.runningRevision ? h("span", { class: "muted" }, ` → r${d.revision}`) : null),
      h("td", { "data-label": "Ready" }, `${d.replicas?.ready ?? 0}/${d.replicas?.desired ?? 0}`),
      h("td", { "data-label": "Target" }, d.target, h("span", { class: "muted small" }, ` · ${d.environment}`)),
      h("td", { "data-label": "Updated" }, time(d.updatedAt)));
    return r;
  }

  function render() {
    rows.clear();
    replace(body, page.map((d) => { const r = row(d); rows.set(d.id, r); return r; }));
    status.textContent = page.length ? `${page.length} deployments on this page` : "No deployments match these filters.";
    const prev = h("button", { type: "button", disabled: cursors.length < 2, onclick: () => { cursors.pop(); load(); } }, "Previous page");
    const more = h("button", { type: "button", disabled: !next, onclick: () => { cursors.push(next); load(); } }, "Next page");
    replace(pager, prev, more);
  }

  // load reads the current page; calls made while one runs coalesce into
  // one more read after it.
  async function load() {
    if (inflight) { again = true; return inflight; }
    inflight = (async () => {
      try {
        const q = { ...state, limit, cursor: cursors[cursors.length - 1] };
        const r = await get("/v1/deployments" + query(q));
        page = r.items;
        next = r.nextCursor || "";
        replace(errors);
        render();
        if (!performance.getEntriesByName("slipway:fleet-rendered").length) performance.mark("slipway:fleet-rendered");
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        replace(errors, problemBox(e, e.problem.errors));
        markFieldErrors(e);
      }
    })();
    await inflight;
    inflight = null;
    if (again) { again = false; load(); }
  }

  function markFieldErrors(e) {
    for (const fe of e.problem.errors || []) {
      const c = form.elements[fe.field];
      if (c) c.setAttribute("aria-invalid", "true");
    }
  }

  // A visible deployment's row moves on at once by what each event says
  // (live.js), then is read again once the read model has caught up with
  // the event (the authoritative row). A created or terminated one may
  // change the page, which is read again.
  const refreshing = new Map(); // deployment id -> the newest event sequence to reflect
  let measured = 0;

  function redraw(id) {
    const i = page.findIndex((x) => x.id === id);
    if (i < 0) return;
    const r = row(page[i]);
    rows.get(id)?.replaceWith(r);
    rows.set(id, r);
  }

  async function refreshRow(id, seq) {
    if (refreshing.has(id)) { refreshing.set(id, Math.max(refreshing.get(id), seq)); return; }
    refreshing.set(id, seq);
    try {
      for (;;) {
        const want = refreshing.get(id);
        const r = await getFresh(id, want);
        const i = page.findIndex((x) => x.id === id);
        // A read that has not caught up would undo what the events showed.
        if (i >= 0 && etagSeq(r.etag) >= want) {
          const d = r.body;
          page[i] = { ...page[i], ...d, image: d.image, replicas: d.replicas };
          redraw(id);
        }
        if (refreshing.get(id) === want) break;
      }
    } catch { /* the next event or page load corrects it */ }
    refreshing.delete(id);
  }

  const el = h("section", { class: "fleet" },
    h("div", { class: "page-head" }, h("h1", {}, "Fleet"),
      session.can("admin", "") || session.me?.principal?.grants?.some((g) => g.role === "admin") ? h("a", { class: "button primary", href: "#/new" }, "New deployment") : null),
    form, errors, status,
    table(["Deployment", "Status", "Image", "Revision", "Ready", "Target", "Updated"], body, "Deployments"),
    pager);
  load();
  return {
    el,
    onEvent(ev) {
      if (!ev.type.startsWith("slipway.deployment.")) return;
      const id = ev.data.subject;
      if (measured % 1000 === 0) performance.clearMeasures("slipway:event-delivered");
      performance.measure("slipway:event-delivered", { start: Date.parse(ev.data.time) - performance.timeOrigin, end: performance.now() });
      if (/\.(created|terminated)\.v\d+$/.test(ev.type)) getFresh(id, ev.id).catch(() => {}).finally(load);
      else if (rows.has(id)) {
        const d = page.find((x) => x.id === id);
        if (d && applyEvent(d, ev)) {
          redraw(id);
          // event -> row on screen, read by the console's benchmark
          // (tools/console); cleared now and then so a page open all day
          // keeps no growing list.
          if (++measured % 1000 === 0) performance.clearMeasures("slipway:event-to-row");
          performance.measure("slipway:event-to-row", { start: Date.parse(ev.data.time) - performance.timeOrigin, end: performance.now() });
        }
        refreshRow(id, ev.id);
      }
    },
  };
}
