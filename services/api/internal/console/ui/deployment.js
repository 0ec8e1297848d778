// Deployment: everything about one deployment, live from its own event
// stream (which also gives the timeline), with the actions its viewer's
// role allows.
import { call, get, events, deploymentPath, etagSeq, getFresh, query, ApiError } from "./api.js";
import { h, append, replace, badge, time, copyButton, bar, table, problemBox } from "./dom.js";
import { session } from "./app.js";
import { diffView } from "./diff.js";
import { applyEvent } from "./live.js";
import { canaryView, promotable } from "./canary.js";

export function deploymentPage(id) {
  const base = deploymentPath(id);
  const project = id.split("/").slice(0, 2).join("/");
  const canDeploy = session.can("deployer", project);
  const canTerminate = session.can("admin", project);
  const head = h("div", { class: "page-head" });
  const notice = h("div", { role: "status", "aria-live": "polite" });
  const terminateBox = h("div", { class: "terminate-box" });
  const terminatedNote = h("div", { class: "terminated-note" });
  const rolloutBox = h("section", { class: "card", "aria-labelledby": "h-rollout" });
  const healthBox = h("section", { class: "card", "aria-labelledby": "h-health" });
  const endpointsBox = h("section", { class: "card", "aria-labelledby": "h-endpoints" });
  const aliasesBox = h("section", { class: "card", "aria-labelledby": "h-aliases" });
  const revisionsBox = h("section", { class: "card", "aria-labelledby": "h-revisions" });
  const diffBox = h("div", { class: "diff-box" });
  const specBox = h("section", { class: "card", "aria-labelledby": "h-spec" });
  const timeline = h("ol", { class: "timeline", "aria-live": "off" });
  let d = null;
  let seen = 0;
  let revisions = [];
  const abort = new AbortController();

  function act(label, fn) {
    return async () => {
      replace(notice);
      try {
        const r = await fn();
        const op = r.body;
        replace(notice, h("p", { class: "ok-note" }, `${label}: ${op?.message || op?.status || "accepted"}`, op?.revision ? ` (revision ${op.revision})` : ""));
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        replace(notice, problemBox(e, e.problem.errors));
      }
    };
  }

  function renderHead() {
    replace(head,
      h("div", {}, h("h1", {}, d.name, " ", badge(d.phase, "phase"), " ", badge(d.health, "health"), d.terminated ? [" ", badge("Terminated")] : null),
        h("p", { class: "muted" }, `${d.owner}/${d.project} · ${d.target}/${d.namespace} · ${d.environment}`,
          Object.keys(d.labels || {}).length ? [" · ", Object.entries(d.labels).map(([k, v]) => h("span", { class: "tag" }, `${k}=${v}`))] : null)),
      h("div", { class: "actions" },
        canDeploy && !d.terminated ? h("a", { class: "button primary", href: `#/d/${id}/edit` }, "Edit") : null,
        session.can("admin", project) ? h("a", { class: "button", href: "#/promote" + query({ target: id }) }, "Promote into this") : null,
        h("a", { class: "button", href: "#/audit" + query({ deployment: id }) }, "Audit log"),
        canTerminate && !d.terminated ? h("button", { type: "button", class: "danger", onclick: askTerminate }, "Terminate…") : null));
    replace(terminatedNote, d.terminated ? h("p", { class: "warn-note", role: "status" },
      `${id} was terminated: its Kubernetes objects are removed and it serves nothing. Its revisions, events and audit log stay.`) : null);
    if (d.terminated) replace(terminateBox);
  }

  // askTerminate asks for the deployment's name before it terminates it:
  // the confirmation names what goes, and confirms nothing until the name
  // is typed.
  function askTerminate() {
    const name = id.split("/")[2];
    const input = h("input", { type: "text", id: "terminate-name", autocomplete: "off", spellcheck: "false" });
    const go = h("button", { type: "submit", class: "danger", disabled: true }, `Terminate ${id}`);
    input.addEventListener("input", () => { go.disabled = input.value.trim() !== name; });
    const form = h("form", { class: "card terminate", "aria-labelledby": "h-terminate" },
      h("h2", { id: "h-terminate" }, `Terminate ${id}?`),
      h("p", {}, `Its Kubernetes objects are removed and ${name} stops serving at once. Its revisions, events and audit log stay; the name stays reserved.`),
      h("div", { class: "field" }, h("label", { for: "terminate-name" }, `Type ${name} to confirm`), input),
      h("div", { class: "actions" }, go, h("button", { type: "button", onclick: () => replace(terminateBox) }, "Cancel")));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (input.value.trim() !== name) return;
      go.disabled = true;
      await act(`Terminate ${id}`, () => call("DELETE", base))();
      replace(terminateBox);
    });
    replace(terminateBox, form);
    input.focus();
  }

  function renderRollout() {
    const r = d.rollout;
    replace(rolloutBox, h("h2", { id: "h-rollout" }, "Rollout"));
    if (!r) { rolloutBox.append(h("p", { class: "muted" }, "No rollout yet.")); return; }
    const rep = r.replicas || {};
    const desired = rep.desired || 0;
    const inFlight = !["Succeeded", "Failed", "Aborted"].includes(r.phase);
    append(rolloutBox,
      h("p", {}, `Revision ${r.revision}`, r.fromRevision ? ` from ${r.fromRevision}` : "", " · ", badge(r.paused ? "Paused" : r.phase, "rollout"),
        r.reason ? h("span", { class: "muted" }, " ", r.reason) : null, " · started ", time(r.startedAt),
        r.finishedAt ? [" · finished ", time(r.finishedAt)] : null),
      r.message ? h("p", { class: "muted" }, r.message) : null,
      h("div", { class: "bars" },
        bar("Updated", rep.updated, desired), bar("Ready", rep.ready, desired), bar("Available", rep.available, desired),
        bar("Surge", Math.max(0, (rep.total || 0) - desired), Math.max(1, (rep.total || 0) - desired, desired))),
      r.canary && inFlight ? canaryView(r.canary) : null,
      inFlight && canDeploy && !d.terminated ? h("div", { class: "actions" },
        promotable(r) ? [
          h("button", { type: "button", class: "primary", onclick: act("Promote", () => call("POST", base + "/rollout/promote")) }, "Promote to the next step"),
          h("button", { type: "button", onclick: act("Promote to completion", () => call("POST", base + "/rollout/promote", { full: true })) }, "Promote to completion")] : null,
        r.paused ? h("button", { type: "button", onclick: act("Resume", () => call("POST", base + "/rollout/resume")) }, "Resume")
          : h("button", { type: "button", onclick: act("Pause", () => call("POST", base + "/rollout/pause")) }, "Pause"),
        h("button", { type: "button", class: "danger", onclick: act("Abort", () => call("POST", base + "/rollout/abort")) }, "Abort")) : null);
  }

  function renderHealth() {
    replace(healthBox, h("h2", { id: "h-health" }, "Health"),
      h("p", {}, badge(d.health, "health"), " ", d.healthReason || ""),
      d.healthDetail ? h("dl", { class: "detail" }, Object.entries(d.healthDetail).map(([k, v]) => [h("dt", {}, k), h("dd", {}, v && typeof v === "object" ? Object.entries(v).map(([a, b]) => `${a} ${typeof b === "object" ? JSON.stringify(b) : b}`).join(", ") : String(v))])) : null,
      d.drift ? h("p", { class: "warn-note" }, "Changed outside Slipway: ", d.drift.action || "", " ", (d.drift.fields || []).join(", "), " ", time(d.drift.at || d.drift.detectedAt)) : null);
  }

  function urlCell(url, label) {
    return url ? h("span", { class: "url" }, h("code", {}, url), " ", copyButton(url, label)) : h("span", { class: "muted" }, "—");
  }

  function renderEndpoints() {
    replace(endpointsBox, h("h2", { id: "h-endpoints" }, "Endpoints"),
      table(["Endpoint", "Canonical URL", "This version's URL", "In-cluster URL"], (d.endpoints || []).map((e) => h("tr", {},
        h("td", {}, e.name), h("td", {}, urlCell(e.url, `${e.name} URL`)), h("td", {}, urlCell(e.versionUrl, `${e.name} version URL`)),
        h("td", {}, urlCell(e.clusterUrl, `${e.name} in-cluster URL`)))), "Endpoints"));
  }

  function renderAliases() {
    replace(aliasesBox, h("h2", { id: "h-aliases" }, "Aliases"));
    const aliases = d.aliases || [];
    if (!aliases.length) aliasesBox.append(h("p", { class: "muted" }, "No aliases."));
    for (const a of aliases) {
      append(aliasesBox, h("div", { class: "alias", dataset: { alias: a.name } },
        h("h3", {}, a.name, " → ", a.revision ? `revision ${a.revision}` : "not serving yet", a.pending ? h("span", { class: "muted" }, ` (moving to ${a.pending})`) : null),
        (a.urls || []).map((u) => h("p", {}, h("span", { class: "muted" }, u.name + ": "), urlCell(u.url, `${a.name} ${u.name} URL`))),
        a.lastFailure ? h("p", { class: "warn-note" }, "Last move failed: ", a.lastFailure.reason || "", " ", a.lastFailure.message || "") : null,
        h("details", {}, h("summary", {}, `History (${(a.history || []).length} moves)`),
          h("ol", { class: "history" }, (a.history || []).slice().reverse().map((m) => h("li", {},
            m.from ? `${m.from} → ${m.to}` : `→ ${m.to}`, " by ", m.actor || "?", " ", time(m.at)))))));
    }
    if (canDeploy && !d.terminated) aliasesBox.append(aliasForm());
  }

  function aliasForm() {
    const name = h("input", { type: "text", id: "alias-name", required: true, list: "alias-names", placeholder: "stable", autocomplete: "off" });
    const rev = h("select", { id: "alias-revision" }, revisions.map((r) => h("option", { value: String(r.revision) }, `revision ${r.revision} · ${r.spec?.image || ""}`)));
    const err = h("p", { class: "field-error", id: "alias-err", role: "alert", hidden: true });
    const form = h("form", { class: "inline-form", "aria-label": "Move an alias" },
      h("datalist", { id: "alias-names" }, (d.aliases || []).map((a) => h("option", { value: a.name }))),
      h("div", { class: "field" }, h("label", { for: "alias-name" }, "Alias"), name),
      h("div", { class: "field" }, h("label", { for: "alias-revision" }, "To revision"), rev),
      h("div", { class: "field actions" }, h("button", { type: "submit" }, "Move alias")), err);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      err.hidden = true;
      try {
        await call("PUT", `${base}/aliases/${encodeURIComponent(name.value.trim())}`, { revision: Number(rev.value) });
        replace(notice, h("p", { class: "ok-note" }, `Alias ${name.value.trim()} is moving to revision ${rev.value}.`));
      } catch (x) {
        if (!(x instanceof ApiError)) throw x;
        err.hidden = false;
        err.textContent = x.problem.errors?.map((f) => f.message).join("; ") || x.message;
        if (x.status === 403) replace(notice, problemBox(x));
      }
    });
    return form;
  }

  function renderRevisions() {
    const next = (d.revision || 0) + 1;
    // The choice of revisions to compare survives the table being drawn again.
    const chosen = (name) => revisionsBox.querySelector(`input[name=${name}]:checked`)?.value;
    const keepFrom = chosen("diff-from"), keepTo = chosen("diff-to");
    const rows = revisions.map((r, i) => h("tr", { dataset: { revision: String(r.revision) } },
      h("td", {}, h("input", { type: "radio", name: "diff-from", value: String(r.revision), "aria-label": `Diff from revision ${r.revision}`,
        checked: keepFrom ? keepFrom === String(r.revision) : i === 1 })),
      h("td", {}, h("input", { type: "radio", name: "diff-to", value: String(r.revision), "aria-label": `Diff to revision ${r.revision}`,
        checked: keepTo ? keepTo === String(r.revision) : i === 0 })),
      h("td", {}, `r${r.revision}`, r.revision === d.runningRevision ? [" ", badge("running")] : null),
      h("td", {}, r.causeText || r.cause, r.message ? h("div", { class: "muted small" }, r.message) : null),
      h("td", { class: "mono wrap" }, r.spec?.image),
      h("td", {}, r.actor), h("td", {}, time(r.createdAt)),
      h("td", {}, canDeploy && !d.terminated && r.revision !== d.revision ? h("button", { type: "button", class: "small",
        onclick: act(`Roll back to revision ${r.revision}, creating revision ${next}`, () => call("POST", base + "/rollback", { revision: r.revision })) },
      `Roll back to r${r.revision} (creates r${next})`) : null)));
    const compare = h("button", { type: "button", onclick: showDiff }, "Compare selected");
    replace(revisionsBox, h("h2", { id: "h-revisions" }, "Revisions"),
      table(["From", "To", "Revision", "Cause", "Image", "By", "Created", ""], rows, "Revisions"),
      h("div", { class: "actions" }, compare), diffBox);
  }

  async function showDiff() {
    const from = revisionsBox.querySelector("input[name=diff-from]:checked")?.value;
    const to = revisionsBox.querySelector("input[name=diff-to]:checked")?.value;
    if (!from || !to) { replace(diffBox, h("p", { role: "alert" }, "Choose a revision in each column.")); return; }
    try {
      const [dd, a, b] = await Promise.all([get(`${base}/revisions/${from}/diff/${to}`), get(`${base}/revisions/${from}`), get(`${base}/revisions/${to}`)]);
      replace(diffBox, diffView(dd.changes, a.spec, b.spec, `Revision ${from}`, `Revision ${to}`));
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      replace(diffBox, problemBox(e));
    }
  }

  function renderSpec() {
    replace(specBox, h("h2", { id: "h-spec" }, "Spec"), h("pre", { class: "spec", tabindex: "0" }, JSON.stringify(d.spec, null, 2)));
  }

  function eventItem(ev) {
    const short = ev.type.replace(/^slipway\.(deployment\.)?/, "").replace(/\.v\d+$/, "");
    const data = ev.data.data || {};
    let what = "";
    if (data.revision?.number) what = `revision ${data.revision.number} (${data.revision.cause || ""})`;
    else if (typeof data.revision === "number") what = `revision ${data.revision}`;
    if (data.replicas) what += ` · ${data.replicas.ready ?? 0}/${data.replicas.desired ?? 0} ready`;
    if (short === "canary_step_started") what += data.kind === "complete" ? " · complete" : ` · step ${data.step + 1}/${data.steps} ${data.kind} · weight ${data.weight}%`;
    if (short === "analysis_measured") what += ` · ${data.check} ${data.phase}`;
    if (data.state) what += ` · ${data.state}`;
    if (data.reason) what += ` · ${data.reason}`;
    return h("li", { dataset: { type: short } }, time(ev.data.time), " ", h("strong", {}, short.replaceAll("_", " ")), " ", what, " ", h("span", { class: "muted" }, ev.data.actor || ""));
  }

  // Each section is drawn again only when what it shows changed, so a
  // form being filled in or an open diff survives the events of a rollout.
  const drawn = new Map();
  function section(key, value, draw) {
    const j = JSON.stringify(value);
    if (drawn.get(key) === j) return;
    drawn.set(key, j);
    draw();
  }
  function renderAll() {
    section("head", [d.phase, d.health, d.labels, d.terminated, d.environment], renderHead);
    section("rollout", [d.rollout, d.terminated], renderRollout);
    section("health", [d.health, d.healthReason, d.healthDetail, d.drift], renderHealth);
    section("endpoints", d.endpoints, renderEndpoints);
    section("aliases", [d.aliases, revisions.map((r) => r.revision), d.terminated], renderAliases);
    section("revisions", [revisions.map((r) => [r.revision, r.rollout?.phase]), d.revision, d.runningRevision, d.terminated], renderRevisions);
    section("spec", d.spec, renderSpec);
  }

  let loading = null;
  let want = 0;
  async function refresh(seq) {
    want = Math.max(want, seq);
    if (loading) return;
    loading = (async () => {
      while (want > seen && !abort.signal.aborted) {
        const target = want;
        const r = await getFresh(id, target);
        if (etagSeq(r.etag) < target) {
          // The read model is behind the events (a busy fleet): what the
          // events said stays shown; read again in a moment.
          await new Promise((ok) => setTimeout(ok, 1000));
          continue;
        }
        d = r.body;
        seen = etagSeq(r.etag);
        const revs = await get(`${base}/revisions` + query({ limit: 50 }));
        revisions = revs.items;
        renderAll();
      }
    })().catch((e) => replace(notice, e instanceof ApiError ? problemBox(e) : h("p", {}, String(e))));
    await loading;
    loading = null;
  }

  const el = h("section", { class: "deployment" }, h("p", {}, h("a", { href: "#/" }, "← Fleet")), head, terminatedNote, notice, terminateBox,
    h("div", { class: "grid" }, rolloutBox, healthBox), endpointsBox, aliasesBox, revisionsBox, specBox,
    h("section", { class: "card", "aria-labelledby": "h-timeline" }, h("h2", { id: "h-timeline" }, "Event timeline"), timeline));

  (async () => {
    try {
      const r = await call("GET", base);
      d = r.body;
      seen = etagSeq(r.etag);
      revisions = (await get(`${base}/revisions` + query({ limit: 50 }))).items;
      renderAll();
    } catch (e) {
      replace(el, h("p", {}, h("a", { href: "#/" }, "← Fleet")), e instanceof ApiError ? problemBox(e) : h("p", {}, String(e)));
      return;
    }
    // The deployment's own stream from its start: the timeline, and every
    // event newer than what was read makes the page read it again.
    events({ deployment: id, after: 0 }, (ev) => {
      timeline.prepend(eventItem(ev));
      while (timeline.childElementCount > 200) timeline.lastChild.remove();
      if (ev.id > seen) {
        // Shown at once from the event, then read again (authoritative).
        if (d && applyEvent(d, ev)) renderAll();
        refresh(ev.id);
      }
    }, () => {}, abort.signal);
  })();

  return { el, close: () => abort.abort() };
}
