package events

// The rollout strategies (Strategy.Strategy). Empty is StrategyRolling.
const (
	StrategyRolling = "rolling"
	StrategyCanary  = "canary"
	// StrategyBlueGreen runs the new revision at its full count beside the
	// stable one, reachable only at its per-version path (the preview),
	// runs BlueGreen.Analysis against it, then switches every request at
	// once: the canary's machinery with the steps PlannedSteps gives.
	StrategyBlueGreen = "blueGreen"
)

// BlueGreen is a blue-green rollout's shape: the checks (of
// Strategy.Checks) the preview must pass before the switch, and whether a
// person promotes the switch (`slipway rollout promote`) after them.
type BlueGreen struct {
	Analysis []string `json:"analysis,omitempty"`
	Manual   bool     `json:"manual,omitempty"`
}

// RolloutAnalysis is the analysis of a whole progressive rollout.
// Background names checks (of Strategy.Checks) measured from the rollout's
// first step to its end, the main Deployment's rolling update and bake
// included, in consecutive runs of each check's Count: a run that fails
// fails the rollout (and rolls it back) as a failed analysis step does; one
// inconclusive past its limit pauses it for a person.
type RolloutAnalysis struct {
	Background []string `json:"background,omitempty"`
}

// BackgroundChecks are the names of the strategy's background checks.
func (s *Strategy) BackgroundChecks() []string {
	if s == nil || s.Analysis == nil {
		return nil
	}
	return s.Analysis.Background
}

// Check defaults: what a check runs with where the spec is silent.
const (
	DefaultCheckIntervalSeconds = 30
	DefaultCheckCount           = 3
)

// CanaryStep is one step of a canary rollout: exactly one of its fields is
// set (validation.Spec checks that).
//
//   - SetWeight sends that percentage of the main path's requests to the new
//     revision (0..100), whose replicas follow the weight; the stable
//     revision keeps its full replica count until the rollout ends.
//   - Pause waits Seconds, or with Seconds 0 until a person promotes the
//     rollout (`slipway rollout promote`).
//   - Analysis runs the named checks of Strategy.Checks and continues only
//     when every one succeeded: a failed check fails the rollout (weight
//     back to 0, rolled back); an inconclusive one pauses it for a person.
//   - Mirror copies that percentage of the requests to the new revision, its
//     answers discarded; 0 removes the copy.
type CanaryStep struct {
	SetWeight *int32        `json:"setWeight,omitempty"`
	Pause     *PauseStep    `json:"pause,omitempty"`
	Analysis  *AnalysisStep `json:"analysis,omitempty"`
	Mirror    *int32        `json:"mirror,omitempty"`
}

// PauseStep holds a canary for Seconds, or (0) until promoted.
type PauseStep struct {
	Seconds int32 `json:"seconds,omitempty"`
}

// AnalysisStep names the checks (Strategy.Checks) a canary runs at this step.
type AnalysisStep struct {
	Checks []string `json:"checks"`
}

// The kinds of canary step (CanaryStep.Kind), as events and documents name them.
const (
	StepSetWeight = "setWeight"
	StepPause     = "pause"
	StepAnalysis  = "analysis"
	StepMirror    = "mirror"
)

// Kind names the step's kind, or "" when not exactly one field is set.
func (s CanaryStep) Kind() string {
	kind, n := "", 0
	if s.SetWeight != nil {
		kind, n = StepSetWeight, n+1
	}
	if s.Pause != nil {
		kind, n = StepPause, n+1
	}
	if s.Analysis != nil {
		kind, n = StepAnalysis, n+1
	}
	if s.Mirror != nil {
		kind, n = StepMirror, n+1
	}
	if n != 1 {
		return ""
	}
	return kind
}

// Check is a metric check of a revision, measured through Prometheus: Query
// (a Go text/template over CheckVars) is evaluated Count times, one every
// IntervalSeconds, and each value held against Condition. The run fails once
// more than FailureLimit measurements failed and is inconclusive once more
// than InconclusiveLimit were (a query error, no series, NaN): inconclusive
// is never success. validation.Check holds the rules.
type Check struct {
	Name              string         `json:"name"`
	Query             string         `json:"query"`
	Condition         CheckCondition `json:"condition"`
	IntervalSeconds   int32          `json:"intervalSeconds,omitempty"`
	Count             int32          `json:"count,omitempty"`
	FailureLimit      int32          `json:"failureLimit,omitempty"`
	InconclusiveLimit int32          `json:"inconclusiveLimit,omitempty"`
}

// CheckCondition is what a successful measurement satisfies:
// value Operator Threshold (<, <=, >, >=). With Ratio the value is the
// query's result for the new revision over its result for the stable one.
type CheckCondition struct {
	Operator  string  `json:"operator"`
	Threshold float64 `json:"threshold"`
	Ratio     bool    `json:"ratio,omitempty"`
}

// CheckVars are the names a check's query template can use. They are
// Slipway's own names (DNS labels, revision numbers), so they go into a
// query without escaping. Revision is the pod template revision measured
// (the new one, or the stable one for a ratio's other half);
// StableRevision is the stable revision's, empty when there is none.
type CheckVars struct {
	Namespace, Deployment    string
	Revision, StableRevision string
}

// IsCanary reports whether the strategy is a canary.
func (s *Strategy) IsCanary() bool { return s != nil && s.Strategy == StrategyCanary }

// IsProgressive reports whether the new revision runs beside the stable
// one through steps (a canary or a blue-green rollout).
func (s *Strategy) IsProgressive() bool {
	return s != nil && (s.Strategy == StrategyCanary || s.Strategy == StrategyBlueGreen)
}

// PlannedSteps are the steps a progressive rollout goes through: a
// canary's Steps; for blue-green, the preview at weight 0, its analysis,
// a pause until promoted when Manual, and the switch to 100.
func (s *Strategy) PlannedSteps() []CanaryStep {
	switch {
	case s == nil:
		return nil
	case s.Strategy == StrategyBlueGreen:
		zero, all := int32(0), int32(100)
		steps := []CanaryStep{{SetWeight: &zero}}
		if bg := s.BlueGreen; bg != nil && len(bg.Analysis) > 0 {
			steps = append(steps, CanaryStep{Analysis: &AnalysisStep{Checks: append([]string(nil), bg.Analysis...)}})
		}
		if s.BlueGreen != nil && s.BlueGreen.Manual {
			steps = append(steps, CanaryStep{Pause: &PauseStep{}})
		}
		return append(steps, CanaryStep{SetWeight: &all})
	}
	return s.Steps
}

// CheckNamed returns the strategy's check called name.
func (s *Strategy) CheckNamed(name string) (Check, bool) {
	if s == nil {
		return Check{}, false
	}
	for _, c := range s.Checks {
		if c.Name == name {
			return c, true
		}
	}
	return Check{}, false
}

func (s *Strategy) withDefaults() {
	for i := range s.Checks {
		if s.Checks[i].IntervalSeconds == 0 {
			s.Checks[i].IntervalSeconds = DefaultCheckIntervalSeconds
		}
		if s.Checks[i].Count == 0 {
			s.Checks[i].Count = DefaultCheckCount
		}
	}
}

func (s *Strategy) clone() *Strategy {
	if s == nil {
		return nil
	}
	out := *s
	out.Steps = make([]CanaryStep, len(s.Steps))
	for i, st := range s.Steps {
		out.Steps[i] = CanaryStep{SetWeight: clonePtr(st.SetWeight), Pause: clonePtr(st.Pause), Mirror: clonePtr(st.Mirror)}
		if st.Analysis != nil {
			out.Steps[i].Analysis = &AnalysisStep{Checks: append([]string(nil), st.Analysis.Checks...)}
		}
	}
	if s.Steps == nil {
		out.Steps = nil
	}
	out.Checks = append([]Check(nil), s.Checks...)
	if s.BlueGreen != nil {
		out.BlueGreen = &BlueGreen{Analysis: append([]string(nil), s.BlueGreen.Analysis...), Manual: s.BlueGreen.Manual}
	}
	if s.Analysis != nil {
		out.Analysis = &RolloutAnalysis{Background: append([]string(nil), s.Analysis.Background...)}
	}
	return &out
}
