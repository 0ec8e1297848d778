package rollout

import (
	"fmt"
	"strings"
	"time"

	"slipway.dev/pkg/events"
	"slipway.dev/services/rollout-worker/internal/analysis"
)

// Canary is where a canary rollout stands, as its history says (folded from
// CanaryStepStarted, AnalysisMeasured, AnalysisInconclusive, CanaryPromoted,
// RolloutResumed, RolloutFailed and RolloutAborted).
//
// Contracts, each guarding a known failure of canary tools:
//   - The stable revision is never scaled or changed while steps run: the
//     main Deployment keeps the stable revision with its full replica count
//     (or what its autoscaler chose) and is rolled to the new revision only
//     in the StepComplete step, with the new revision already at weight 100
//     and full count (Argo Rollouts #2857 #4347 #1292, Flagger #1931: no
//     outage on abort, none before promotion).
//   - Traffic is a function of this state (Serving.Split) and is applied
//     again by whichever worker drives the rollout, never assumed to be on
//     the cluster (Seldon #5181).
//   - A weight moves to the new revision only after its replicas for that
//     weight are available (KServe #4074 #5983: no 503s while shifting).
//   - A check's run is analysis.Assess: an error, no data or NaN is
//     inconclusive, a run with no success never succeeds, and inconclusive
//     past its limit pauses the rollout; it never proceeds (Argo #4479).
//   - Measurements are events; a resumed driver takes the next one at
//     analysis.Next from the recorded ones, so none is taken twice.
type Canary struct {
	Step, Steps                    int
	Kind                           string
	Weight, Mirror                 int32
	CanaryReplicas, StableReplicas int32
	Approximated                   bool
	Checks                         []string
	PauseUntil                     time.Time
	// Attempt counts the step's analysis runs: a resume starts another,
	// measured afresh from AttemptStart.
	Attempt      int
	AttemptStart time.Time
	// Measurements of the step's current attempt, per check, in order.
	Measurements map[string][]events.AnalysisMeasured
	// Latest is the last measurement of each check, whatever its step (for
	// documents and status).
	Latest map[string]events.AnalysisMeasured
	// Promoted: a person moved the canary past this step; Full: to its completion.
	Promoted, Full bool
	// Inconclusive is why analysis paused the canary ("" when it did not).
	Inconclusive string
}

// CanaryApplies reports whether revision rolls out as a canary (or
// blue-green, a canary of planned steps): its spec says so, a stable
// revision runs, and the revision changes the pods.
// A first rollout has nothing to compare with; a scaling-only revision
// replaces no pods; rollbacks (automatic, after an abort, or to a
// revision by request) return to a known revision at once.
func CanaryApplies(s State, revision int) bool {
	rev, ok := s.Revisions[revision]
	if !ok || !rev.Spec.Rollout.IsProgressive() || s.Stable == 0 || s.Stable == revision {
		return false
	}
	switch rev.Cause {
	case events.CauseAutoRollback, events.CauseAbort, events.CauseRollback:
		return false
	}
	return s.Revisions[s.Stable].PodTemplateRevision() != rev.PodTemplateRevision()
}

// CanaryReplicas is the new revision's replica count at weight percent of
// stable: its share rounded up, at least 1 (a canary at weight 0 stays warm
// for mirrored requests and the next step), at most stable.
func CanaryReplicas(weight, stable int32) int32 {
	n := (stable*weight + 99) / 100
	return min(max(n, 1), max(stable, 1))
}

// CanaryNext is what a canary rollout does next, decided by DecideCanary.
type CanaryNext struct {
	// Events to append (a step started, the rollout failed, analysis
	// paused it). The driver appends them and asks again.
	Events []events.Message
	// Measure are the checks whose next measurement is due now.
	Measure []string
	// Until is when something is due next (a timed pause ends, a
	// measurement); zero when only a change of the history moves it on.
	Until time.Time
	// Complete: the steps are done and the new revision takes all the
	// traffic: the main Deployment rolls to it, then the rollout succeeds.
	Complete bool
}

// DecideCanary decides the next move of revision's canary at now. The
// driver calls it only once the current step's traffic is applied (the
// contract that makes a setWeight step's end mean "the weight is on the
// cluster"); routing is the target's (events.Routing.CanaryTraffic: how
// it carries the weight and what mirror it can copy).
// Nothing is decided for a rollout that is not a canary in flight.
func DecideCanary(s State, revision int, now time.Time, routing *events.Routing) CanaryNext {
	r := s.rolloutOf(revision)
	if r == nil || r.Phase != PhaseProgressing || !CanaryApplies(s, revision) {
		return CanaryNext{}
	}
	c := r.Canary
	switch {
	case r.Failure != "":
		// The health monitor reports the new revision's pods failing.
		return CanaryNext{Events: []events.Message{events.RolloutFailed{Revision: revision, Reason: r.Failure,
			Message: fmt.Sprintf("the pods of revision %d are failing: %s; its weight is back to 0", revision, r.FailureMessage)}}}
	case c == nil:
		return CanaryNext{Events: []events.Message{startStep(s, revision, 0, routing, now)}}
	case c.Kind == events.StepComplete:
		return CanaryNext{Complete: true}
	case c.Full:
		return CanaryNext{Events: []events.Message{startStep(s, revision, c.Steps, routing, now)}}
	case c.Promoted:
		return CanaryNext{Events: []events.Message{startStep(s, revision, c.Step+1, routing, now)}}
	case r.Paused:
		return CanaryNext{}
	}
	switch c.Kind {
	case events.StepPause:
		if c.PauseUntil.IsZero() {
			return CanaryNext{} // until promoted
		}
		if now.Before(c.PauseUntil) {
			return CanaryNext{Until: c.PauseUntil}
		}
	case events.StepAnalysis:
		if next, decided := decideAnalysis(s, revision, c, now); decided {
			return next
		}
	}
	return CanaryNext{Events: []events.Message{startStep(s, revision, c.Step+1, routing, now)}}
}

// decideAnalysis runs an analysis step's checks: failed as soon as one
// failed, paused as soon as one is inconclusive, measuring while any runs;
// decided false once every check succeeded.
func decideAnalysis(s State, revision int, c *Canary, now time.Time) (CanaryNext, bool) {
	strategy := s.Revisions[revision].Spec.Rollout
	var next CanaryNext
	running := false
	for _, name := range c.Checks {
		spec, ok := strategy.CheckNamed(name)
		if !ok {
			// Validation refuses this; a spec that got here anyway must not pass.
			return CanaryNext{Events: []events.Message{events.AnalysisInconclusive{Revision: revision, Step: c.Step, Attempt: c.Attempt,
				Check: name, Message: fmt.Sprintf("check %q is not declared in spec.rollout.checks", name)}}}, true
		}
		check := analysis.FromSpec(spec)
		ms := measurementsOf(c.Measurements[name])
		st := analysis.Assess(check, ms)
		switch st.Phase {
		case analysis.Failed:
			return CanaryNext{Events: []events.Message{events.RolloutFailed{Revision: revision, Reason: events.ReasonAnalysisFailed,
				Message: fmt.Sprintf("canary step %d at weight %d%%: %s; the weight is back to 0", c.Step+1, c.Weight, st.Reason)}}}, true
		case analysis.Inconclusive:
			return CanaryNext{Events: []events.Message{events.AnalysisInconclusive{Revision: revision, Step: c.Step, Attempt: c.Attempt,
				Check: name, Measurements: len(ms), Message: st.Reason + "; paused: promote to go on anyway, resume to measure again, or abort"}}}, true
		case analysis.Running:
			running = true
			due := analysis.Next(check, c.AttemptStart, ms)
			if !now.Before(due) {
				next.Measure = append(next.Measure, name)
			} else if next.Until.IsZero() || due.Before(next.Until) {
				next.Until = due
			}
		}
	}
	return next, running
}

// DecideCanaryStalled fails a canary in its steps whose pods the health
// monitor reports failing, or whose canary Deployment passed its progress
// deadline (obs is of that Deployment).
func DecideCanaryStalled(s State, obs Observation) []events.Message {
	r := s.rolloutOf(obs.Revision)
	if r == nil || r.Phase != PhaseProgressing || r.Canary == nil {
		return nil
	}
	switch {
	case r.Failure != "":
		return []events.Message{events.RolloutFailed{Revision: obs.Revision, Reason: r.Failure, Replicas: obs.Replicas,
			Message: fmt.Sprintf("the canary pods of revision %d are failing: %s; its weight is back to 0", obs.Revision, r.FailureMessage)}}
	case obs.DeadlineExceeded && !obs.Stale:
		return []events.Message{events.RolloutFailed{Revision: obs.Revision, Reason: events.ReasonProgressDeadlineExceeded, Replicas: obs.Replicas,
			Message: fmt.Sprintf("the canary of revision %d made no progress for %ds: %d of %d replicas available; its weight is back to 0",
				obs.Revision, s.Revisions[obs.Revision].Spec.Rollout.ProgressDeadlineSeconds, obs.Replicas.Available, obs.Replicas.Desired)}}
	}
	return nil
}

// DecideMeasured records a measurement of check taken at step and attempt,
// unless the canary has moved on (another step or attempt) or the check's
// run has decided meanwhile: a measurement is counted once, in its run.
func DecideMeasured(s State, revision, step, attempt int, check string, m analysis.Measurement) []events.Message {
	r := s.rolloutOf(revision)
	if r == nil || r.Phase != PhaseProgressing || r.Canary == nil || r.Canary.Step != step || r.Canary.Attempt != attempt ||
		r.Canary.Kind != events.StepAnalysis || r.Paused {
		return nil
	}
	spec, ok := s.Revisions[revision].Spec.Rollout.CheckNamed(check)
	if !ok {
		return nil
	}
	ms := r.Canary.Measurements[check]
	if analysis.Assess(analysis.FromSpec(spec), measurementsOf(ms)).Phase != analysis.Running {
		return nil
	}
	return []events.Message{events.AnalysisMeasured{Revision: revision, Step: step, Attempt: attempt, Check: check, Index: len(ms),
		Phase: string(m.Phase), Value: m.Value, Reason: m.Reason, At: m.At.UTC()}}
}

// startStep is the event that enters step n of revision's canary; n at
// or past the last step is StepComplete.
func startStep(s State, revision, n int, routing *events.Routing, now time.Time) events.CanaryStepStarted {
	traffic := routing.CanaryTraffic()
	approximated := traffic == events.CanaryTrafficPods
	rev := s.Revisions[revision]
	steps := rev.Spec.Rollout.PlannedSteps()
	stable := s.Revisions[s.Stable].Spec.DesiredReplicas()
	var weight, mirror int32
	if c := s.Rollout.Canary; c != nil {
		weight, mirror = c.Weight, c.Mirror
	}
	ev := events.CanaryStepStarted{Revision: revision, Step: min(n, len(steps)), Steps: len(steps), StableReplicas: stable,
		Approximated: approximated, Traffic: traffic}
	if n >= len(steps) {
		ev.Kind, weight, mirror = events.StepComplete, 100, 0
	} else {
		step := steps[n]
		ev.Kind = step.Kind()
		switch ev.Kind {
		case events.StepSetWeight:
			weight = *step.SetWeight
		case events.StepMirror:
			mirror = *step.Mirror
		case events.StepPause:
			if step.Pause.Seconds > 0 {
				until := now.Add(time.Duration(step.Pause.Seconds) * time.Second).UTC()
				ev.PauseUntil = &until
			}
		case events.StepAnalysis:
			ev.Checks = append([]string(nil), step.Analysis.Checks...)
		}
	}
	// What the target can copy: Gateway API the share asked for,
	// ingress-nginx every request or none, pods nothing; the event (and so
	// the document) says what is applied.
	mirror = routing.CanaryMirror(mirror)
	ev.Weight, ev.Mirror = weight, mirror
	ev.CanaryReplicas = CanaryReplicas(weight, rev.Spec.DesiredReplicas())
	if ev.Kind == events.StepComplete || rev.Spec.Rollout.Strategy == events.StrategyBlueGreen {
		// Blue-green: the preview runs at full count from the start, so the
		// switch moves every request at once to pods that are all ready.
		ev.CanaryReplicas = max(rev.Spec.DesiredReplicas(), 1)
	}
	return ev
}

func measurementsOf(ms []events.AnalysisMeasured) []analysis.Measurement {
	out := make([]analysis.Measurement, len(ms))
	for i, m := range ms {
		out[i] = analysis.Measurement{Phase: analysis.Phase(m.Phase), Value: m.Value, Reason: m.Reason, At: m.At}
	}
	return out
}

// applyCanary folds a canary event into the rollout it belongs to.
func (s *State) applyCanary(e Event) {
	switch m := e.Message.(type) {
	case events.CanaryStepStarted:
		r := s.rolloutOf(m.Revision)
		if r == nil {
			return
		}
		s.CanaryRan = true
		c := &Canary{Step: m.Step, Steps: m.Steps, Kind: m.Kind, Weight: m.Weight, Mirror: m.Mirror,
			CanaryReplicas: m.CanaryReplicas, StableReplicas: m.StableReplicas, Approximated: m.Approximated,
			Checks: m.Checks, AttemptStart: e.Envelope.Time, Measurements: map[string][]events.AnalysisMeasured{},
			Latest: map[string]events.AnalysisMeasured{}}
		if m.PauseUntil != nil {
			c.PauseUntil = *m.PauseUntil
		}
		if r.Canary != nil {
			c.Latest = r.Canary.Latest
		}
		r.Canary = c
	case events.AnalysisMeasured:
		if c := s.canaryOf(m.Revision); c != nil && !m.Background && c.Step == m.Step && c.Attempt == m.Attempt && m.Index == len(c.Measurements[m.Check]) {
			c.Measurements[m.Check] = append(c.Measurements[m.Check], m)
			c.Latest[m.Check] = m
		}
	case events.AnalysisInconclusive:
		if c := s.canaryOf(m.Revision); c != nil && !m.Background && c.Step == m.Step {
			s.Rollout.Paused, c.Inconclusive = true, m.Message
		}
	case events.CanaryPromoted:
		if c := s.canaryOf(m.Revision); c != nil && c.Step == m.Step {
			c.Promoted, c.Full, c.Inconclusive = true, m.Full, ""
			s.Rollout.Paused = false
		}
	case events.RolloutResumed:
		// A resumed canary measures its analysis step again, afresh.
		if c := s.canaryOf(m.Revision); c != nil {
			c.Attempt++
			c.AttemptStart, c.Measurements, c.Inconclusive = e.Envelope.Time, map[string][]events.AnalysisMeasured{}, ""
		}
	case events.RolloutFailed, events.RolloutAborted:
		// Traffic goes back to the stable revision (Serving.Split ends).
		if c := s.canaryOf(revisionOfEnd(m)); c != nil {
			c.Weight, c.Mirror = 0, 0
		}
	}
}

func revisionOfEnd(m events.Message) int {
	switch e := m.(type) {
	case events.RolloutFailed:
		return e.Revision
	case events.RolloutAborted:
		return e.Revision
	}
	return 0
}

func (s *State) canaryOf(revision int) *Canary {
	if r := s.rolloutOf(revision); r != nil {
		return r.Canary
	}
	return nil
}

// DecidePromoteRollout moves the canary in flight past its step, or with
// Full to its completion.
func DecidePromoteRollout(s State, cmd events.PromoteRollout) Decision {
	r, d, ok := inFlight(s, cmd, cmd.Deployment)
	switch {
	case !ok:
		return d
	case !CanaryApplies(s, r.Revision) || r.Phase != PhaseProgressing:
		return reject(cmd, events.ReasonNotACanary, "the rollout of revision %d is not a canary in its steps; nothing to promote", r.Revision)
	case r.Canary == nil:
		return reject(cmd, events.ReasonNotACanary, "the canary of revision %d has not started its first step yet; promote again in a moment", r.Revision)
	case r.Canary.Kind == events.StepComplete:
		return unchanged(s, "the canary of revision %d has completed its steps; the new revision takes all the traffic", r.Revision)
	}
	return Decision{Events: []events.Message{events.CanaryPromoted{Revision: r.Revision, Step: r.Canary.Step, Full: cmd.Full, Message: cmd.Message}}}
}

// String says where a canary stands, for logs: "step 2/4 (analysis), weight 10%".
func (c *Canary) String() string {
	if c == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "step %d/%d (%s), weight %d%%", c.Step+1, c.Steps, c.Kind, c.Weight)
	if c.Mirror > 0 {
		fmt.Fprintf(&b, ", mirror %d%%", c.Mirror)
	}
	return b.String()
}
