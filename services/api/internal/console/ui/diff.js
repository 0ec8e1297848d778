// Side-by-side view of a spec diff (pkg/specdiff's changes: path, op,
// from, to), one row per changed field.
import { h, table } from "./dom.js";

export function show(v) {
  if (v === undefined) return h("span", { class: "muted" }, "(absent)");
  return h("code", { class: "wrap" }, typeof v === "string" ? v : JSON.stringify(v));
}

export function diffView(changes, _fromSpec, _toSpec, fromLabel, toLabel) {
  if (!changes || !changes.length) return h("p", { class: "diff-empty", role: "status" }, `${fromLabel} and ${toLabel} have the same spec.`);
  return h("div", { class: "diff", role: "region", "aria-label": `Differences from ${fromLabel} to ${toLabel}` },
    h("p", { role: "status" }, `${changes.length} field${changes.length === 1 ? " differs" : "s differ"} between ${fromLabel} and ${toLabel}.`),
    table(["Field", fromLabel, toLabel], changes.map((c) => h("tr", { class: "op-" + c.op, dataset: { path: c.path } },
      h("th", { scope: "row" }, h("code", {}, c.path), h("span", { class: "sr-only" }, ` ${c.op}`)),
      h("td", { class: "from" }, show(c.from)),
      h("td", { class: "to" }, show(c.to)))), "Differences"));
}
