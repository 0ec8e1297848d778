// applyEvent moves a deployment (a fleet summary or the whole document) on
// by one of its events, for what the event itself says: the page shows it
// at once, before the read model (which follows the event stream, seconds
// behind on a busy fleet) answers the authoritative document that replaces
// it. It answers whether anything changed. Pure: no I/O.
export function applyEvent(d, ev) {
  const data = ev.data.data || {};
  const kind = ev.type.replace(/^slipway\.deployment\./, "").replace(/\.v\d+$/, "");
  const before = JSON.stringify(d);
  const rollout = () => (d.rollout && d.rollout.revision === data.revision ? d.rollout : null);
  switch (kind) {
    case "revision_created":
      if (data.revision?.number > (d.revision || 0)) {
        d.revision = data.revision.number;
        if (data.revision.spec?.image) d.image = data.revision.spec.image;
        if (d.spec && data.revision.spec) d.spec = data.revision.spec;
      }
      break;
    case "rollout_started":
      d.phase = "Progressing";
      if ("rollout" in d || d.spec) {
        d.rollout = { revision: data.revision, fromRevision: d.runningRevision || undefined, phase: "Progressing",
          replicas: { desired: data.desired, updated: 0, ready: 0, available: 0 }, startedAt: ev.data.time };
      }
      break;
    case "rollout_progressed":
      if (data.revision === d.revision && data.replicas) d.replicas = data.replicas;
      if (rollout() && data.replicas) rollout().replicas = data.replicas;
      break;
    case "rollout_succeeded":
      if (data.revision === d.revision) {
        d.phase = "Running";
        d.runningRevision = data.revision;
        if (data.replicas) d.replicas = data.replicas;
      }
      if (rollout()) Object.assign(rollout(), { phase: "Succeeded", finishedAt: ev.data.time, replicas: data.replicas || rollout().replicas });
      break;
    case "rollout_paused":
      if (rollout()) rollout().paused = true;
      break;
    case "rollout_resumed":
      if (rollout()) rollout().paused = false;
      break;
    case "canary_step_started":
      if (rollout()) {
        const was = rollout().canary;
        rollout().canary = { step: data.step, steps: data.steps, kind: data.kind, weight: data.weight, mirror: data.mirror || undefined,
          canaryReplicas: data.canaryReplicas, stableReplicas: data.stableReplicas, approximated: data.approximated || undefined,
          pauseUntil: data.pauseUntil || undefined, measurements: was?.measurements };
      }
      break;
    case "analysis_measured":
      if (rollout()?.canary) {
        const c = rollout().canary;
        const m = { check: data.check, step: data.step, phase: data.phase, value: data.value, reason: data.reason, at: data.at };
        c.measurements = [...(c.measurements || []).filter((x) => x.check !== data.check), m].sort((a, b) => (a.check < b.check ? -1 : a.check > b.check ? 1 : 0));
      }
      break;
    case "analysis_inconclusive":
      if (rollout()?.canary) {
        rollout().canary.inconclusive = data.message;
        Object.assign(rollout(), { paused: true, phase: "Paused" });
      }
      break;
    case "canary_promoted":
      if (rollout()?.canary) {
        delete rollout().canary.inconclusive;
        Object.assign(rollout(), { paused: false, phase: "Progressing" });
      }
      break;
    case "terminated":
      if (!("terminated" in d || d.spec)) return false; // a fleet summary: the fleet reads again
      d.terminated = true;
      break;
    case "health_changed":
      if (data.to) d.health = data.to;
      if ("healthReason" in d || d.spec) d.healthReason = data.reason;
      break;
    default:
      return false; // failures, aborts, aliases, drift: the document says
  }
  d.updatedAt = ev.data.time;
  return JSON.stringify(d) !== before;
}
