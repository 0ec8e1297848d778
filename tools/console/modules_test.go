package console

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"slipway.dev/cmd/slipway/devstack"
	"slipway.dev/testsupport/devstacktest"
)

// cases runs in the page: the console's pure modules (live.js, spec.js)
// imported as the console imports them, each case answering what it got
// and what it wanted.
const cases = `(async () => {
  const { applyEvent } = await import("/ui/live.js");
  const { mergePatch, changes, parseEnv, parseSecrets } = await import("/ui/spec.js");
  const ev = (type, data, time = "2026-01-01T00:00:00Z") => ({ type: "slipway.deployment." + type + ".v1", data: { time, data } });
  const out = [];
  const check = (name, got, want) => out.push({ name, got: JSON.stringify(got), want: JSON.stringify(want) });

  let d = { revision: 1, runningRevision: 1, phase: "Running", image: "a:1", replicas: { desired: 2, ready: 2 }, health: "Healthy" };
  check("revision_created moves revision and image", (applyEvent(d, ev("revision_created", { revision: { number: 2, spec: { image: "a:2" } } })), [d.revision, d.image, d.runningRevision]), [2, "a:2", 1]);
  check("an older revision_created changes nothing", applyEvent(d, ev("revision_created", { revision: { number: 1, spec: { image: "a:1" } } })), false);
  check("rollout_started: Progressing", (applyEvent(d, ev("rollout_started", { revision: 2, desired: 2 })), d.phase), "Progressing");
  check("rollout_progressed of the latest revision: replicas", (applyEvent(d, ev("rollout_progressed", { revision: 2, replicas: { desired: 2, ready: 1 } })), d.replicas), { desired: 2, ready: 1 });
  check("rollout_progressed of another revision: nothing", applyEvent(d, ev("rollout_progressed", { revision: 1, replicas: { desired: 9 } })), false);
  check("rollout_succeeded: Running that revision", (applyEvent(d, ev("rollout_succeeded", { revision: 2, replicas: { desired: 2, ready: 2 } })), [d.phase, d.runningRevision]), ["Running", 2]);
  check("health_changed: the new state", (applyEvent(d, ev("health_changed", { to: "Degraded", reason: "PodsCrashLooping" })), d.health), "Degraded");
  check("a failure is left to the document", applyEvent(d, ev("rollout_failed", { revision: 2 })), false);

  let full = { revision: 1, runningRevision: 1, spec: { image: "a:1" }, rollout: { revision: 1, phase: "Succeeded" } };
  applyEvent(full, ev("revision_created", { revision: { number: 2, spec: { image: "a:2" } } }));
  applyEvent(full, ev("rollout_started", { revision: 2, desired: 3 }, "2026-01-01T00:00:01Z"));
  check("rollout_started on a document: the rollout in flight", full.rollout, { revision: 2, fromRevision: 1, phase: "Progressing", replicas: { desired: 3, updated: 0, ready: 0, available: 0 }, startedAt: "2026-01-01T00:00:01Z" });
  applyEvent(full, ev("rollout_paused", { revision: 2 }));
  check("rollout_paused", full.rollout.paused, true);
  applyEvent(full, ev("rollout_succeeded", { revision: 2 }, "2026-01-01T00:00:05Z"));
  check("rollout_succeeded on a document", [full.rollout.phase, full.rollout.finishedAt, full.spec.image], ["Succeeded", "2026-01-01T00:00:05Z", "a:2"]);

  let c = { revision: 1, runningRevision: 1, spec: { image: "a:1" }, rollout: { revision: 2, phase: "Progressing" } };
  applyEvent(c, ev("canary_step_started", { revision: 2, step: 2, steps: 4, kind: "analysis", weight: 25, mirror: 10, canaryReplicas: 1, stableReplicas: 4, approximated: true, checks: ["errors"] }));
  check("canary_step_started: the step on the rollout", c.rollout.canary, { step: 2, steps: 4, kind: "analysis", weight: 25, mirror: 10, canaryReplicas: 1, stableReplicas: 4, approximated: true });
  check("canary_step_started of another revision: nothing", applyEvent(c, ev("canary_step_started", { revision: 1, step: 0, steps: 1, kind: "setWeight" })), false);
  applyEvent(c, ev("analysis_measured", { revision: 2, step: 2, check: "p99", phase: "Successful", value: 0.2, reason: "p99 0.2 < 0.5", at: "2026-01-01T00:00:02Z" }));
  applyEvent(c, ev("analysis_measured", { revision: 2, step: 2, check: "errors", phase: "Successful", value: 0.01, reason: "first", at: "2026-01-01T00:00:02Z" }));
  applyEvent(c, ev("analysis_measured", { revision: 2, step: 2, check: "errors", phase: "Inconclusive", value: 0, reason: "no data", at: "2026-01-01T00:00:03Z" }));
  check("analysis_measured: the latest of each check, by name", c.rollout.canary.measurements.map((m) => [m.check, m.phase, m.reason]),
    [["errors", "Inconclusive", "no data"], ["p99", "Successful", "p99 0.2 < 0.5"]]);
  applyEvent(c, ev("analysis_inconclusive", { revision: 2, step: 2, check: "errors", message: "errors: 3 inconclusive" }));
  check("analysis_inconclusive: paused, with why", [c.rollout.paused, c.rollout.phase, c.rollout.canary.inconclusive], [true, "Paused", "errors: 3 inconclusive"]);
  const { canaryView, promotable } = await import("/ui/canary.js");
  const view = canaryView(c.rollout.canary).textContent;
  check("canaryView: step, traffic, replicas, approximation, why paused, measurements",
    ["step 3 of 4: analysis", "weight 25% · mirror 10%", "1 canary · 4 stable", "about 20% of the requests", "mirroring is not applied",
      "inconclusive. errors: 3 inconclusive", "no data", "p99 0.2 < 0.5"].filter((s) => !view.includes(s)), []);
  check("promotable at an analysis step", promotable(c.rollout), true);
  applyEvent(c, ev("canary_promoted", { revision: 2, step: 2 }));
  check("canary_promoted: going on, nothing inconclusive", [c.rollout.paused, c.rollout.phase, c.rollout.canary.inconclusive], [false, "Progressing", undefined]);
  applyEvent(c, ev("canary_step_started", { revision: 2, step: 4, steps: 4, kind: "complete", weight: 100, canaryReplicas: 4, stableReplicas: 4 }));
  check("a new step keeps the measurements", c.rollout.canary.measurements.length, 2);
  check("not promotable once complete", promotable(c.rollout), false);
  check("terminated on a document", (applyEvent(c, ev("terminated", {})), c.terminated), true);
  check("terminated on a fleet summary: left to the fleet", applyEvent({ revision: 1 }, ev("terminated", {})), false);

  check("mergePatch: removed keys null, maps merged, arrays whole",
    mergePatch({ replicas: 3, env: { A: "1", B: "2" }, args: ["x"] }, { scaling: { min: 1, max: 2 }, env: { A: "1", C: "3" }, args: ["y"] }),
    { replicas: null, scaling: { min: 1, max: 2 }, env: { B: null, C: "3" }, args: ["y"] });
  check("mergePatch of equal specs is empty", mergePatch({ image: "a", env: { A: "1" } }, { image: "a", env: { A: "1" } }), {});
  check("changes: an added map shows its keys", changes({}, { env: { A: "1" } }), [{ path: "spec.env.A", op: "added", to: "1" }]);
  check("changes: changed and removed", changes({ image: "a", replicas: 2 }, { image: "b" }),
    [{ path: "spec.image", op: "changed", from: "a", to: "b" }, { path: "spec.replicas", op: "removed", from: 2 }]);
  check("parseEnv: values keep '=' and spaces; bad lines named", parseEnv("A=x=y\n# c\nB= 1\nnope"), { env: { A: "x=y", B: " 1" }, bad: ["line 4: write KEY=value"] });
  check("parseSecrets", parseSecrets("TOKEN=hf/token\nX=y"), { secrets: [{ env: "TOKEN", name: "hf", key: "token" }], bad: ["line 2: write ENV=secret-name/key"] });
  const { time, refreshTimes } = await import("/ui/dom.js");
  const at = new Date(Date.now() - 125000);
  const el = time(at.toISOString());
  el.textContent = "now";
  document.body.append(el);
  refreshTimes();
  check("refreshTimes moves a relative time on", el.textContent, new Intl.RelativeTimeFormat(undefined, { numeric: "auto" }).format(-2, "minute"));
  check("the exact time is on hover", el.title.includes(at.toISOString()), true);
  el.remove();
  return out;
})()`

// TestConsoleModules runs the console's pure modules in the browser they
// are written for: the event folding of live updates and the edit form's
// patch, preview and parsing.
func TestConsoleModules(t *testing.T) {
	b := browser(t)
	s := devstacktest.Start(t, devstack.Options{ClusterMode: devstack.ClusterSimulated})
	page := tab(t, b)
	run(t, page, chromedp.Navigate(s.URL+"/ui/"))
	c, cancel := context.WithTimeout(page, 10*time.Second)
	defer cancel()
	got, err := chromedp.Run(c, chromedp.Evaluate[[]struct{ Name, Got, Want string }](cases, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 10 {
		t.Fatalf("only %d cases ran", len(got))
	}
	for _, r := range got {
		if r.Got != r.Want {
			t.Errorf("%s: got %s, want %s", r.Name, r.Got, r.Want)
		}
	}
}
