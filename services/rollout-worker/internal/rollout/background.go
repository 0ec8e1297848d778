package rollout

import (
	"fmt"
	"time"

	"slipway.dev/pkg/events"
	"slipway.dev/services/rollout-worker/internal/analysis"
)

// Background is a progressive rollout's background analysis as its history
// says: the measurements of each background check
// (events.RolloutAnalysis.Background) in the current attempt. Its checks run
// from the rollout's start to its end (canary steps, the main Deployment's
// rolling update, the bake), each in consecutive runs of the check's count.
//
// Contracts, as for a step's analysis: a run's status is analysis.Assess
// (inconclusive is never success); a failed run fails the rollout at once,
// as a failed analysis step does; a run inconclusive past its limit pauses
// the rollout, which then neither moves to another step nor succeeds; a
// person's resume or promotion starts a new attempt, measured afresh, so the
// decision that paused it is not taken again on the same measurements.
type Background struct {
	Attempt      int
	AttemptStart time.Time
	Measurements map[string][]events.AnalysisMeasured
	// Paused: a background check's run was inconclusive past its limit and
	// paused the rollout, Inconclusive says why.
	Paused       bool
	Inconclusive string
}

// BackgroundNext is what a rollout's background analysis does next.
type BackgroundNext struct {
	// Events to append: the rollout failed, or paused as inconclusive.
	Events []events.Message
	// Measure are the checks whose next measurement is due now.
	Measure []string
	// Until is when the next measurement is due; zero when none is.
	Until time.Time
}

// BackgroundApplies reports whether revision's rollout measures background
// checks: a canary or blue-green rollout (CanaryApplies) whose spec names some.
func BackgroundApplies(s State, revision int) bool {
	return CanaryApplies(s, revision) && len(s.Revisions[revision].Spec.Rollout.BackgroundChecks()) > 0
}

// DecideBackground decides revision's background analysis at now: failed
// as soon as a run of one check failed, paused as soon as one is
// inconclusive, otherwise the measurements due. Nothing is decided for a
// rollout that is not progressing or baking, or that is paused.
func DecideBackground(s State, revision int, now time.Time) BackgroundNext {
	r := s.rolloutOf(revision)
	if r == nil || (r.Phase != PhaseProgressing && r.Phase != PhaseBaking) || r.Paused || r.Background == nil ||
		!BackgroundApplies(s, revision) {
		return BackgroundNext{}
	}
	strategy := s.Revisions[revision].Spec.Rollout
	var next BackgroundNext
	for _, name := range strategy.BackgroundChecks() {
		spec, ok := strategy.CheckNamed(name)
		if !ok {
			// Validation refuses this; a spec that got here anyway must not pass.
			return BackgroundNext{Events: []events.Message{backgroundInconclusive(r, revision, name, 0,
				fmt.Sprintf("background check %q is not declared in spec.rollout.checks", name))}}
		}
		check := analysis.FromSpec(spec)
		ms := measurementsOf(r.Background.Measurements[name])
		switch st := assessRuns(check, ms); st.Phase {
		case analysis.Failed:
			return BackgroundNext{Events: []events.Message{events.RolloutFailed{Revision: revision, Reason: events.ReasonAnalysisFailed,
				Message: fmt.Sprintf("background analysis %s: %s; rolled back", during(r), st.Reason)}}}
		case analysis.Inconclusive:
			return BackgroundNext{Events: []events.Message{backgroundInconclusive(r, revision, name, len(ms),
				fmt.Sprintf("background analysis %s: %s; paused: resume to measure again, promote to go on anyway, or abort", during(r), st.Reason))}}
		}
		due := analysis.Next(check, r.Background.AttemptStart, ms)
		if !now.Before(due) {
			next.Measure = append(next.Measure, name)
		} else if next.Until.IsZero() || due.Before(next.Until) {
			next.Until = due
		}
	}
	return next
}

// assessRuns assesses a background check's measurements as consecutive
// runs of its count: the first run that failed or was inconclusive decides;
// otherwise the last one is running (or has just succeeded: the next starts).
func assessRuns(check analysis.Check, ms []analysis.Measurement) analysis.Status {
	count := max(check.Count, 1)
	for i := 0; i < len(ms); i += count {
		st := analysis.Assess(check, ms[i:min(i+count, len(ms))])
		if st.Phase == analysis.Failed || st.Phase == analysis.Inconclusive {
			return st
		}
	}
	return analysis.Status{Phase: analysis.Running}
}

func backgroundInconclusive(r *Rollout, revision int, check string, measurements int, message string) events.AnalysisInconclusive {
	return events.AnalysisInconclusive{Background: true, Revision: revision, Step: stepOf(r), Attempt: r.Background.Attempt,
		Check: check, Measurements: measurements, Message: message}
}

// during says where a rollout stands, for a background check's messages.
func during(r *Rollout) string {
	switch {
	case r.Phase == PhaseBaking:
		return "while baking"
	case r.Canary == nil:
		return "before the first step"
	case r.Canary.Kind == events.StepComplete:
		return "during the main Deployment's rollout"
	}
	return fmt.Sprintf("at canary step %d at weight %d%%", r.Canary.Step+1, r.Canary.Weight)
}

func stepOf(r *Rollout) int {
	if r.Canary == nil {
		return 0
	}
	return r.Canary.Step
}

// DecideBackgroundMeasured records a background measurement of check taken
// in attempt, unless the background has moved on meanwhile (another
// attempt, the rollout ended or paused) or the check's runs decided: a
// measurement is counted once.
func DecideBackgroundMeasured(s State, revision, attempt int, check string, m analysis.Measurement) []events.Message {
	r := s.rolloutOf(revision)
	if r == nil || (r.Phase != PhaseProgressing && r.Phase != PhaseBaking) || r.Paused || r.Background == nil ||
		r.Background.Attempt != attempt {
		return nil
	}
	spec, ok := s.Revisions[revision].Spec.Rollout.CheckNamed(check)
	if !ok {
		return nil
	}
	ms := r.Background.Measurements[check]
	if assessRuns(analysis.FromSpec(spec), measurementsOf(ms)).Phase != analysis.Running {
		return nil
	}
	return []events.Message{events.AnalysisMeasured{Background: true, Revision: revision, Step: stepOf(r), Attempt: attempt,
		Check: check, Index: len(ms), Phase: string(m.Phase), Value: m.Value, Reason: m.Reason, At: m.At.UTC()}}
}

// applyBackground folds the events of a rollout's background analysis.
func (s *State) applyBackground(e Event) {
	switch m := e.Message.(type) {
	case events.RolloutStarted:
		if r := s.rolloutOf(m.Revision); r != nil {
			r.Background = &Background{AttemptStart: e.Envelope.Time, Measurements: map[string][]events.AnalysisMeasured{}}
		}
	case events.AnalysisMeasured:
		if r := s.rolloutOf(m.Revision); r != nil && r.Background != nil && m.Background && m.Attempt == r.Background.Attempt &&
			m.Index == len(r.Background.Measurements[m.Check]) {
			r.Background.Measurements[m.Check] = append(r.Background.Measurements[m.Check], m)
			if r.Canary != nil {
				r.Canary.Latest[m.Check] = m
			}
		}
	case events.AnalysisInconclusive:
		if r := s.rolloutOf(m.Revision); r != nil && r.Background != nil && m.Background && m.Attempt == r.Background.Attempt {
			r.Paused, r.Background.Paused, r.Background.Inconclusive = true, true, m.Message
		}
	case events.RolloutResumed, events.CanaryPromoted:
		// A person let the rollout go on: the background measures afresh.
		if r := s.rolloutOf(revisionOfControl(m)); r != nil && r.Background != nil {
			r.Background.Attempt++
			r.Background.AttemptStart, r.Background.Paused, r.Background.Inconclusive = e.Envelope.Time, false, ""
			r.Background.Measurements = map[string][]events.AnalysisMeasured{}
		}
	}
}

func revisionOfControl(m events.Message) int {
	switch e := m.(type) {
	case events.RolloutResumed:
		return e.Revision
	case events.CanaryPromoted:
		return e.Revision
	}
	return 0
}
