// The canary of a rollout in flight: its step, the traffic it set, the
// replicas beside the stable revision, why analysis paused it, and the
// latest measurement of each check. Drawn from the deployment document's
// rollout.canary (which canary_step_started, analysis_measured,
// analysis_inconclusive and canary_promoted move; see live.js).
import { h, badge, time, table } from "./dom.js";

// stepText is "step 2 of 3: pause until promoted"; the step after the
// last one (kind complete) is the canary finishing.
export function stepText(c) {
  if (c.kind === "complete") return "complete: weight 100%, the main Deployment rolls to the new revision";
  let kind = c.kind;
  if (kind === "pause") kind = c.pauseUntil ? "pause until " : "pause until promoted";
  return `step ${c.step + 1} of ${c.steps}: ${kind}`;
}

// promotable answers whether the canary can still be promoted: a step
// before its completion.
export function promotable(rollout) {
  const c = rollout?.canary;
  return !!c && c.kind !== "complete" && c.step < c.steps;
}

export function canaryView(c) {
  const traffic = [`weight ${c.weight}%`];
  if (c.mirror) traffic.push(`mirror ${c.mirror}%`);
  return h("div", { class: "canary", "aria-labelledby": "h-canary" },
    h("h3", { id: "h-canary" }, "Canary"),
    h("p", { class: "canary-step" }, "Canary ", stepText(c), c.kind === "pause" && c.pauseUntil ? time(c.pauseUntil) : null),
    h("dl", { class: "detail" },
      h("dt", {}, "Traffic"), h("dd", { class: "canary-traffic" }, traffic.join(" · ")),
      h("dt", {}, "Replicas"), h("dd", { class: "canary-replicas" }, `${c.canaryReplicas} canary · ${c.stableReplicas} stable`)),
    c.approximated ? h("p", { class: "muted canary-approx" },
      `Weight approximated by pod counts (no weighted routing on this target): the new revision receives about ${share(c)}% of the requests`,
      c.mirror ? "; mirroring is not applied" : "", ".") : null,
    c.inconclusive ? h("p", { class: "warn-note canary-inconclusive" }, "Paused: analysis was inconclusive. ", c.inconclusive,
      " Promote to go on anyway, resume to measure again, or abort.") : null,
    (c.measurements || []).length ? table(["Check", "Step", "Phase", "Value", "Reason", "Measured"],
      c.measurements.map((m) => h("tr", { dataset: { check: m.check } },
        h("td", {}, m.check), h("td", {}, String(m.step + 1)), h("td", {}, badge(m.phase, "measurement")),
        h("td", { class: "mono" }, String(m.value)), h("td", {}, m.reason), h("td", {}, time(m.at)))), "Latest measurement of each check") : null);
}

function share(c) {
  const all = (c.canaryReplicas || 0) + (c.stableReplicas || 0);
  return all ? Math.round((100 * c.canaryReplicas) / all) : 0;
}
