// Promotion: plan a source revision onto a target deployment, review the
// plan field by field, decide each key new in the source, then apply. A
// plan made on an older version of the target is explained, with a way to
// plan again.
import { call, get, query, ApiError } from "./api.js";
import { h, append, replace, field, showProblem, badge, table, problemBox, time } from "./dom.js";
import { session } from "./app.js";
import { diffView } from "./diff.js";

const flagWords = {
  "new-in-source": "new in the source: decide its value in the target",
  "only-in-target": "only in the target: kept",
  differs: "differs: the target keeps its own value",
};

export function promotionPage(params) {
  const el = h("section", { class: "promote" }, h("h1", {}, "Promote"));
  const source = h("input", { type: "text", list: "deployment-ids", required: true, value: params.get("source") || "", placeholder: "owner/project/name", spellcheck: "false" });
  const target = h("input", { type: "text", list: "deployment-ids", required: true, value: params.get("target") || "", placeholder: "owner/project/name", spellcheck: "false" });
  const revision = h("input", { type: "number", min: "1", placeholder: "the running one", inputmode: "numeric" });
  const ids = h("datalist", { id: "deployment-ids" });
  get("/v1/deployments" + query({ limit: 500 })).then((r) => ids.append(...r.items.map((d) => h("option", { value: d.id })))).catch(() => {});
  const chooser = h("form", { class: "card", "aria-label": "Choose what to promote" },
    h("div", { class: "form-summary" }),
    h("div", { class: "row" }, field("Source deployment", source, "source"), field("Source revision", revision, "sourceRevision"), field("Target deployment", target, "target")),
    ids, h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Plan promotion")));
  const review = h("div");
  el.append(chooser, review);

  chooser.addEventListener("submit", (e) => { e.preventDefault(); plan({}); });

  // plan asks the promoter for a plan (dryRun: recorded for review, not
  // applied) with the decisions made so far.
  async function plan(decisions) {
    showProblem(chooser, null);
    const body = { source: source.value.trim(), target: target.value.trim(), dryRun: true, ...decisions };
    if (revision.value) body.sourceRevision = Number(revision.value);
    try {
      const r = await call("POST", "/v1/promotions" + query({ wait: "30s" }), body);
      showPlan(r.body);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      showProblem(chooser, e);
    }
  }

  function showPlan(p) {
    const pl = p.plan || {};
    const canApply = session.can("admin", p.target.split("/").slice(0, 2).join("/"));
    const envRows = (pl.env || []).map((e) => envRow(e));
    const secretRows = (pl.secrets || []).map((s) => secretRow(s));
    const decide = h("form", { class: "card", "aria-labelledby": "h-decide" }, h("div", { class: "form-summary" }));
    const needs = envRows.some((r) => r.decide) || secretRows.some((r) => r.decide);
    append(decide, h("h2", { id: "h-decide" }, "Keys to decide"),
      envRows.length || secretRows.length ? table(["Key", "What the plan does", "Decision"], [...envRows.map((r) => r.tr), ...secretRows.map((r) => r.tr)], "Keys to decide")
        : h("p", { class: "muted" }, "Nothing to decide: no env key or secret reference is new in the source."),
      needs ? h("div", { class: "actions" }, h("button", { type: "submit" }, "Plan again with these decisions")) : null);
    decide.addEventListener("submit", (e) => {
      e.preventDefault();
      const d = { env: {}, useSourceEnv: [], secrets: {}, useSourceSecrets: [] };
      for (const r of envRows) r.decide?.(d);
      for (const r of secretRows) r.decide?.(d);
      for (const k of Object.keys(d)) if (!Object.keys(d[k]).length) delete d[k];
      plan(d);
    });
    const stale = h("div", { role: "status", "aria-live": "polite" });
    const applyBtn = h("button", { type: "button", class: "primary", disabled: p.status !== "planned" || !canApply }, `Apply: create ${p.target}'s next revision`);
    applyBtn.addEventListener("click", async () => {
      applyBtn.disabled = true;
      try {
        const r = await call("POST", `/v1/promotions/${encodeURIComponent(p.id)}/apply` + query({ wait: "60s" }));
        replace(stale, h("p", { class: "ok-note" }, `Promotion ${r.body.status}.`, " ", h("a", { href: `#/d/${p.target}` }, `Open ${p.target}`)));
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        if (e.status === 412) {
          replace(stale, h("div", { class: "problem", role: "alert" }, h("strong", {}, "This plan is stale"),
            h("p", {}, `It was made against revision ${p.targetRevision} of ${p.target}, which has changed since (someone updated, rolled back or promoted into it). Applying it would undo that change, so the promoter refused. Plan again to review what the promotion does now.`),
            e.problem.detail ? h("p", { class: "muted" }, e.problem.detail) : null,
            h("button", { type: "button", onclick: () => plan({}) }, "Plan again")));
        } else {
          replace(stale, problemBox(e, e.problem.errors));
          applyBtn.disabled = false;
        }
      }
    });
    replace(review,
      h("section", { class: "card", "aria-labelledby": "h-plan" },
        h("h2", { id: "h-plan" }, `Plan ${p.id}`),
        h("p", {}, `${p.source} revision ${p.sourceRevision} onto ${p.target} (made on its revision ${p.targetRevision}) `, badge(p.status, "plan"), " ", time(p.createdAt)),
        p.reason ? h("p", { class: "muted" }, p.reason) : null,
        h("h3", {}, "Field by field"),
        table(["Field", "Comes from"], (pl.fields || []).map((f) => h("tr", {}, h("td", {}, h("code", {}, f.field)),
          h("td", {}, f.origin === "source" ? "the source (what is promoted)" : "kept by the target"))), "Fields"),
        h("h3", {}, "What changes in the target"),
        diffView(pl.diff, null, null, `${p.target} now`, "After promotion")),
      decide,
      h("div", { class: "card" },
        p.status === "needs-input" ? h("p", { class: "warn-note" }, `Decide ${[...(p.missing || []).map((k) => "env " + k), ...(p.missingSecrets || []).map((k) => "secret " + k)].join(", ")} before applying.`) : null,
        !canApply ? h("p", { class: "warn-note" }, `Applying needs the admin role on ${p.target}'s project.`) : null,
        h("div", { class: "actions" }, applyBtn), stale));
  }

  function envRow(e) {
    const what = h("td", {}, h("span", { class: "badge " + (e.flag === "new-in-source" ? "warn" : "plain") }, e.flag), " ", flagWords[e.flag] || "",
      e.flag === "differs" ? h("div", { class: "muted small" }, `source: ${e.sourceValue ?? ""} · target: ${e.targetValue ?? ""}`) : null,
      e.resolution ? h("div", { class: "muted small" }, `decided: ${e.resolution === "source" ? "the source's value" : "a value given"}`) : null);
    if (e.flag !== "new-in-source") return { tr: h("tr", { dataset: { key: e.key } }, h("th", { scope: "row" }, h("code", {}, e.key)), what, h("td", {}, "—")) };
    const useSource = h("input", { type: "checkbox", checked: e.resolution === "source" });
    const value = h("input", { type: "text", spellcheck: "false", placeholder: "value in the target" });
    const cell = h("td", {},
      field(`Value of ${e.key} in the target`, value, `env.${e.key}`),
      h("label", { class: "check" }, useSource, ` Use the source's value`));
    return {
      tr: h("tr", { dataset: { key: e.key } }, h("th", { scope: "row" }, h("code", {}, e.key)), what, cell),
      decide: (d) => { if (useSource.checked) d.useSourceEnv.push(e.key); else if (value.value !== "") d.env[e.key] = value.value; },
    };
  }

  function secretRow(s) {
    const ref = (r) => (r ? `${r.name}/${r.key}` : "—");
    const what = h("td", {}, h("span", { class: "badge " + (s.flag === "new-in-source" ? "warn" : "plain") }, s.flag), " secret ", flagWords[s.flag] || "",
      h("div", { class: "muted small" }, `source: ${ref(s.source)} · target: ${ref(s.target)}`));
    if (s.flag !== "new-in-source") return { tr: h("tr", {}, h("th", { scope: "row" }, h("code", {}, s.env)), what, h("td", {}, "—")) };
    const useSource = h("input", { type: "checkbox", checked: s.resolution === "source" });
    const value = h("input", { type: "text", spellcheck: "false", placeholder: "secret-name/key" });
    return {
      tr: h("tr", {}, h("th", { scope: "row" }, h("code", {}, s.env)), what, h("td", {},
        field(`Target's secret for ${s.env}`, value, `secrets.${s.env}`), h("label", { class: "check" }, useSource, " Use the source's reference"))),
      decide: (d) => {
        if (useSource.checked) d.useSourceSecrets.push(s.env);
        else if (value.value.includes("/")) { const [name, ...key] = value.value.split("/"); d.secrets[s.env] = { name, key: key.join("/") }; }
      },
    };
  }

  if (source.value && target.value) plan({});
  return { el };
}
