// Edit (and create): a form over the spec's everyday fields, a preview of
// what changes, then the operation followed live until its rollout ends.
import { call, get, deploymentPath, query, ApiError } from "./api.js";
import { h, replace, field, showProblem, badge, bar, time, problemBox } from "./dom.js";
import { session } from "./app.js";
import { diffView } from "./diff.js";
import { parseEnv, formatEnv, parseSecrets, formatSecrets, parseLabels, mergePatch, changes } from "./spec.js";

export function editPage(id, params) {
  const creating = !id;
  const el = h("section", { class: "edit" });
  let current = null; // the deployment being edited
  let etag = "";
  let targets = [];
  let opId = "";
  let follow = null;
  const progress = h("div", { role: "status", "aria-live": "polite" });

  const input = (attrs) => h("input", { type: "text", autocomplete: "off", spellcheck: "false", ...attrs });
  const c = {
    owner: input({ required: true, value: params.get("owner") || "default" }),
    project: input({ required: true, value: params.get("project") || "default" }),
    name: input({ required: true, placeholder: "scorer" }),
    target: h("select", {}),
    environment: input({ placeholder: "dev" }),
    labels: input({ placeholder: "team=risk, tier=1" }),
    image: input({ required: true, placeholder: "ghcr.io/acme/scorer:1.0", class: "wide" }),
    mode: h("select", {}, h("option", { value: "fixed" }, "A fixed number of replicas"), h("option", { value: "auto" }, "Autoscaling on CPU")),
    replicas: input({ type: "number", min: "0", max: "500", value: "1", inputmode: "numeric" }),
    min: input({ type: "number", min: "0", max: "500", value: "1", inputmode: "numeric" }),
    max: input({ type: "number", min: "1", max: "500", value: "3", inputmode: "numeric" }),
    cpu: input({ type: "number", min: "1", max: "100", placeholder: "80", inputmode: "numeric" }),
    instanceType: h("select", {}),
    env: h("textarea", { rows: "4", spellcheck: "false", placeholder: "LOG_LEVEL=info" }),
    secrets: h("textarea", { rows: "3", spellcheck: "false", placeholder: "API_TOKEN=scorer-secrets/api-token" }),
    maxSurge: input({ placeholder: "25%" }),
    maxUnavailable: input({ placeholder: "0" }),
    deadline: input({ type: "number", min: "1", placeholder: "600", inputmode: "numeric" }),
    bake: input({ type: "number", min: "0", placeholder: "0", inputmode: "numeric" }),
    message: input({ placeholder: "why (kept with the revision)", class: "wide" }),
  };
  const fixedBox = h("div", {}, field("Replicas", c.replicas, "spec.replicas"));
  const autoBox = h("div", { class: "row", hidden: true },
    field("Minimum", c.min, "spec.scaling.min"), field("Maximum", c.max, "spec.scaling.max"), field("Target CPU %", c.cpu, "spec.scaling.targetCPUPercent"));
  c.mode.addEventListener("change", () => { fixedBox.hidden = c.mode.value !== "fixed"; autoBox.hidden = c.mode.value === "fixed"; });
  c.target.addEventListener("change", fillInstanceTypes);

  const preview = h("div", { class: "preview" });
  const submit = h("button", { type: "submit", class: "primary" }, creating ? "Create deployment" : "Apply changes");
  const review = h("button", { type: "button", onclick: showPreview }, "Preview changes");
  const form = h("form", { class: "card", novalidate: true },
    h("div", { class: "form-summary" }),
    creating ? h("fieldset", {}, h("legend", {}, "Deployment"),
      h("div", { class: "row" }, field("Owner", c.owner, "owner"), field("Project", c.project, "project"), field("Name", c.name, "name")),
      h("div", { class: "row" }, field("Target", c.target, "target"), field("Environment", c.environment, "environment"), field("Labels", c.labels, "labels", "key=value, comma separated"))) : null,
    h("fieldset", {}, h("legend", {}, "What runs"),
      field("Image", c.image, "spec.image", "registry/repository:tag or @sha256 digest"),
      field("Instance type", c.instanceType, "spec.instanceType", "from the target's catalogue")),
    h("fieldset", {}, h("legend", {}, "Scale"), field("Scaling", c.mode, "scaling-mode"), fixedBox, autoBox),
    h("fieldset", {}, h("legend", {}, "Configuration"),
      field("Environment variables", c.env, "spec.env", "KEY=value, one a line; credentials belong in secret references"),
      field("Secret references", c.secrets, "spec.secrets", "ENV=secret-name/key, one a line: the value stays in the cluster's Secret")),
    h("fieldset", {}, h("legend", {}, "Rollout"),
      h("div", { class: "row" }, field("Max surge", c.maxSurge, "spec.rollout.maxSurge"), field("Max unavailable", c.maxUnavailable, "spec.rollout.maxUnavailable"),
        field("Progress deadline (s)", c.deadline, "spec.rollout.progressDeadlineSeconds"), field("Bake (s)", c.bake, "spec.rollout.bakeSeconds"))),
    creating ? null : field("Message", c.message, "message"),
    preview,
    h("div", { class: "actions" }, review, submit, h("a", { class: "button", href: creating ? "#/" : `#/d/${id}` }, "Cancel")));
  form.addEventListener("submit", (e) => { e.preventDefault(); apply(); });

  function fillInstanceTypes() {
    const t = targets.find((x) => x.name === (current ? current.target : c.target.value)) || targets.find((x) => x.default);
    const keep = c.instanceType.value || current?.spec?.instanceType || "";
    replace(c.instanceType, h("option", { value: "" }, "None (the image's own requests)"),
      Object.entries(t?.instanceTypes || {}).sort().map(([name, r]) => h("option", { value: name }, `${name} · ${r.cpu} CPU, ${r.memory}${r.gpu ? `, ${r.gpu} GPU` : ""}`)));
    c.instanceType.value = keep;
  }

  function fill(spec) {
    c.image.value = spec.image || "";
    if (spec.scaling) {
      c.mode.value = "auto";
      c.min.value = spec.scaling.min ?? ""; c.max.value = spec.scaling.max ?? ""; c.cpu.value = spec.scaling.targetCPUPercent ?? "";
    } else c.replicas.value = spec.replicas ?? 1;
    c.mode.dispatchEvent(new Event("change"));
    c.env.value = formatEnv(spec.env);
    c.secrets.value = formatSecrets(spec.secrets);
    const r = spec.rollout || {};
    c.maxSurge.value = r.maxSurge ?? ""; c.maxUnavailable.value = r.maxUnavailable ?? "";
    c.deadline.value = r.progressDeadlineSeconds ?? ""; c.bake.value = r.bakeSeconds ?? "";
  }

  // spec is the form read over the current spec, so fields the form does
  // not show (model, command, probes, endpoints, annotations) are kept.
  function spec() {
    const s = structuredClone(current?.spec || {});
    const local = [];
    s.image = c.image.value.trim();
    const num = (v) => (v.trim() === "" ? undefined : Number(v));
    if (c.mode.value === "fixed") {
      delete s.scaling;
      s.replicas = num(c.replicas.value) ?? 1;
    } else {
      delete s.replicas;
      s.scaling = { min: num(c.min.value), max: num(c.max.value) };
      if (num(c.cpu.value) !== undefined) s.scaling.targetCPUPercent = num(c.cpu.value);
    }
    if (c.instanceType.value) s.instanceType = c.instanceType.value; else delete s.instanceType;
    const env = parseEnv(c.env.value);
    const sec = parseSecrets(c.secrets.value);
    env.bad.forEach((m) => local.push({ field: "spec.env", message: m }));
    sec.bad.forEach((m) => local.push({ field: "spec.secrets", message: m }));
    if (Object.keys(env.env).length) s.env = env.env; else delete s.env;
    if (sec.secrets.length) s.secrets = sec.secrets; else delete s.secrets;
    const r = { ...(s.rollout || {}) };
    const set = (k, v) => { if (v === undefined || v === "") delete r[k]; else r[k] = v; };
    set("maxSurge", c.maxSurge.value.trim()); set("maxUnavailable", c.maxUnavailable.value.trim());
    set("progressDeadlineSeconds", num(c.deadline.value)); set("bakeSeconds", num(c.bake.value));
    if (Object.keys(r).length) s.rollout = r; else delete s.rollout;
    return { s, local };
  }

  function localProblem(local) {
    return new ApiError(400, { title: "Some fields need a fix", errors: local });
  }

  function showPreview() {
    const { s, local } = spec();
    if (local.length) { showProblem(form, localProblem(local)); return false; }
    showProblem(form, null);
    replace(preview, h("h2", {}, "What changes"),
      diffView(changes(current?.spec || {}, s), null, null, creating ? "Nothing" : `Revision ${current.revision}`, creating ? "New deployment" : "This edit"),
      creating ? null : h("p", { class: "muted" }, `Applying creates revision ${current.revision + 1} and rolls it out.`));
    return true;
  }

  async function apply() {
    const { s, local } = spec();
    if (local.length) { showProblem(form, localProblem(local)); return; }
    showProblem(form, null);
    submit.disabled = true;
    try {
      let r;
      if (creating) {
        const owner = c.owner.value.trim(), project = c.project.value.trim();
        const body = { name: c.name.value.trim(), spec: s };
        if (c.target.value) body.target = c.target.value;
        if (c.environment.value.trim()) body.environment = c.environment.value.trim();
        const labels = parseLabels(c.labels.value);
        if (Object.keys(labels).length) body.labels = labels;
        r = await call("POST", `/v1/projects/${encodeURIComponent(owner)}/${encodeURIComponent(project)}/deployments`, body);
        id = `${owner}/${project}/${body.name}`;
      } else {
        const patch = mergePatch(current.spec, s);
        if (!Object.keys(patch).length) { replace(preview, h("p", { role: "status" }, "Nothing to change: the form matches the running spec.")); submit.disabled = false; return; }
        const body = { spec: patch };
        if (c.message.value.trim()) body.message = c.message.value.trim();
        r = await call("PATCH", deploymentPath(id), body, { etag });
      }
      opId = r.body.id;
      form.hidden = true;
      renderOperation(r.body);
      pollOperation();
    } catch (e) {
      submit.disabled = false;
      if (!(e instanceof ApiError)) throw e;
      showProblem(form, e);
    }
  }

  function renderOperation(op) {
    const rep = op.replicas || {};
    const done = ["succeeded", "failed", "rejected"].includes(op.status);
    replace(progress, h("section", { class: "card operation", "aria-labelledby": "h-op" },
      h("h2", { id: "h-op" }, `Operation ${op.kind?.replaceAll("_", " ") || ""}`),
      h("p", {}, badge(op.status, "operation"), op.revision ? ` revision ${op.revision}` : "", op.reason ? ` · ${op.reason}` : "", op.message ? ` · ${op.message}` : "", " · accepted ", time(op.acceptedAt)),
      h("div", { class: "bars" }, bar("Updated", rep.updated, rep.desired), bar("Ready", rep.ready, rep.desired), bar("Available", rep.available, rep.desired)),
      op.diff ? diffView(op.diff, null, null, "Before", "After") : null,
      done ? h("p", {}, h("a", { class: "button primary", href: `#/d/${id}` }, "Open the deployment")) : null));
  }

  // The operation is read again on each event of its deployment (and at
  // least every 2 s, should an event be missed while reconnecting).
  let timer = null;
  async function pollOperation() {
    clearTimeout(timer);
    try {
      const op = (await call("GET", `/v1/operations/${encodeURIComponent(opId)}`)).body;
      renderOperation(op);
      if (["succeeded", "failed", "rejected"].includes(op.status)) { opId = ""; return; }
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 404) { replace(progress, problemBox(e)); return; }
    }
    timer = setTimeout(pollOperation, 2000);
  }

  (async () => {
    try {
      targets = (await get("/v1/targets")).items;
      for (const t of targets) c.target.append(h("option", { value: t.name, selected: t.default }, t.name + (t.default ? " (default)" : "")));
      if (!creating) {
        const r = await call("GET", deploymentPath(id));
        current = r.body;
        etag = r.etag;
        fill(current.spec);
      }
      fillInstanceTypes();
      replace(el, h("p", {}, h("a", { href: creating ? "#/" : `#/d/${id}` }, creating ? "← Fleet" : `← ${id}`)),
        h("h1", {}, creating ? "New deployment" : `Edit ${current.name}`),
        !creating && !session.can("deployer", id.split("/").slice(0, 2).join("/")) ? h("p", { class: "warn-note" }, "Your role on this project may not update it; the API will refuse the change.") : null,
        form, progress);
      (creating ? c.name : c.image).focus();
    } catch (e) {
      replace(el, e instanceof ApiError ? problemBox(e) : h("p", {}, String(e)));
    }
  })();

  return {
    el,
    onEvent(ev) { if (opId && ev.data.subject === id) { clearTimeout(follow); follow = setTimeout(pollOperation, 30); } },
    close() { clearTimeout(timer); clearTimeout(follow); },
  };
}
