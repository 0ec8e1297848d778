// Small DOM helpers: elements built with h(), never from HTML strings, so
// nothing the API returns is ever parsed as markup.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  append(el, ...children);
  return el;
}

export function append(el, ...children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, ...children);
  return el;
}

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
const rel = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

// time shows an instant in the viewer's zone, relative when recent, with
// the exact time (and zone) on hover.
function label(d) {
  const secs = Math.round((d.getTime() - Date.now()) / 1000);
  if (Math.abs(secs) < 60) return rel.format(secs, "second");
  if (Math.abs(secs) < 3600) return rel.format(Math.round(secs / 60), "minute");
  if (Math.abs(secs) < 86400) return rel.format(Math.round(secs / 3600), "hour");
  return dateFmt.format(d);
}

// refreshTimes moves every relative time on the page on ("now" becomes
// "2 minutes ago"), for a page kept open all day.
export function refreshTimes() {
  for (const t of document.querySelectorAll("time[datetime]")) t.textContent = label(new Date(t.dateTime));
}

export function time(iso) {
  if (!iso) return h("span", { class: "muted" }, "—");
  const d = new Date(iso);
  const exact = dateFmt.format(d) + " " + Intl.DateTimeFormat().resolvedOptions().timeZone + " (" + d.toISOString() + ")";
  return h("time", { datetime: d.toISOString(), title: exact, tabindex: "0" }, label(d));
}

const tones = {
  Running: "ok", Healthy: "ok", Succeeded: "ok", succeeded: "ok", reachable: "ok", applied: "ok", delivered: "ok", Successful: "ok", Inconclusive: "warn", Terminated: "bad",
  Progressing: "busy", Pending: "busy", accepted: "busy", running: "busy", "needs-input": "warn", Paused: "warn", pending: "busy",
  Failed: "bad", Degraded: "warn", Unavailable: "bad", Aborted: "bad", failed: "bad", rejected: "bad", unreachable: "bad",
};

export function badge(text, kind) {
  return h("span", { class: "badge " + (tones[text] || "plain"), title: kind ? `${kind}: ${text}` : undefined }, text || "—");
}

export function copyButton(text, label) {
  const b = h("button", { type: "button", class: "small", "aria-label": "Copy " + label }, "Copy");
  b.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      b.textContent = "Copied";
    } catch {
      b.textContent = "Select and copy";
    }
    setTimeout(() => (b.textContent = "Copy"), 1500);
  });
  return b;
}

// field is a labelled control with a slot for its error, found by the
// field's JSON path (data-field) when the API names it.
export function field(label, control, path, hint) {
  const id = "f-" + path.replace(/[^a-zA-Z0-9]+/g, "-");
  control.id = id;
  control.dataset.field = path;
  const err = h("p", { class: "field-error", id: id + "-err", role: "alert", hidden: true });
  control.setAttribute("aria-describedby", id + "-err" + (hint ? " " + id + "-hint" : ""));
  return h("div", { class: "field" }, h("label", { for: id }, label), control,
    hint ? h("p", { class: "hint", id: id + "-hint" }, hint) : null, err);
}

// showProblem puts each field error of err next to its field in form (by
// data-field, longest matching path prefix) and the rest in the form's
// summary; it answers whether any was placed.
export function showProblem(form, err) {
  for (const e of form.querySelectorAll(".field-error")) { e.hidden = true; e.textContent = ""; }
  for (const c of form.querySelectorAll("[aria-invalid]")) c.removeAttribute("aria-invalid");
  const summary = form.querySelector(".form-summary");
  if (!err) { if (summary) replace(summary); return; }
  const controls = [...form.querySelectorAll("[data-field]")];
  const rest = [];
  for (const fe of err.problem?.errors || []) {
    let best = null;
    for (const c of controls) {
      const p = c.dataset.field;
      if ((fe.field === p || fe.field.startsWith(p + ".") || fe.field.startsWith(p + "[")) && (!best || p.length > best.dataset.field.length)) best = c;
    }
    if (best) {
      const slot = form.querySelector("#" + best.id + "-err");
      slot.hidden = false;
      slot.textContent = (slot.textContent ? slot.textContent + " " : "") + (fe.field === best.dataset.field ? "" : fe.field + ": ") + fe.message;
      best.setAttribute("aria-invalid", "true");
    } else rest.push(fe);
  }
  if (summary) replace(summary, problemBox(err, rest));
  form.querySelector("[aria-invalid]")?.focus();
}

// problemBox explains a refusal in words: 403 says which role is missing.
export function problemBox(err, fields) {
  const p = err.problem || {};
  let lead = p.title || "The request failed";
  if (err.status === 403) lead = "Not allowed: your role does not permit this";
  if (err.status === 412) lead = "Someone changed this meanwhile";
  return h("div", { class: "problem", role: "alert" },
    h("strong", {}, lead), p.detail ? h("p", {}, p.detail) : null,
    err.status === 403 ? h("p", {}, "Ask an admin of the project for a token with the role this needs (viewer reads, deployer updates, rolls back and moves aliases, admin creates, terminates and promotes).") : null,
    fields && fields.length ? h("ul", {}, fields.map((f) => h("li", {}, h("code", {}, f.field), " ", f.message))) : null);
}

export function bar(label, value, max) {
  const pct = max > 0 ? Math.min(100, Math.round((100 * (value || 0)) / max)) : 0;
  return h("div", { class: "bar" },
    h("span", { class: "bar-label" }, label),
    h("progress", { max: String(max || 0), value: String(value || 0), "aria-label": `${label}: ${value || 0} of ${max || 0}` }),
    h("span", { class: "bar-num" }, `${value || 0}/${max || 0}`, h("span", { class: "sr-only" }, ` (${pct}%)`)));
}

// table draws rows under headers. Each cell is labelled with its column's
// header (data-label), which narrow screens show when they stack the rows.
export function table(headers, rows, caption) {
  const body = rows instanceof HTMLTableSectionElement ? rows : h("tbody", {}, rows);
  const label = (tr) => [...tr.children].forEach((td, i) => { if (!td.dataset.label && headers[i]) td.dataset.label = headers[i]; });
  [...body.children].forEach(label);
  new MutationObserver((changes) => changes.forEach((c) => c.addedNodes.forEach((n) => n.tagName === "TR" && label(n)))).observe(body, { childList: true });
  return h("div", { class: "table-wrap" }, h("table", { class: "stack" },
    caption ? h("caption", { class: "sr-only" }, caption) : null,
    h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col" }, x)))),
    body));
}
