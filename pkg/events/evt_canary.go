package events

import "time"

// The canary's events. A canary rollout's history says at every moment which
// step it is at, the traffic that step set, and every measurement taken, so a
// worker that takes over folds it and resumes at the same step and weight
// (re-applying the traffic: it never assumes the cluster holds it) and takes
// no measurement twice.

// StepComplete is the kind of the step a canary takes after its last one (or
// when promoted with full): the new revision at weight 100 with every
// replica, while the main Deployment rolls to it; the rollout then succeeds.
const StepComplete = "complete"

// CanaryStepStarted records that the canary of Revision entered step Step
// (from 0) of Steps, or, with Step == Steps, Kind StepComplete. Weight and
// Mirror are the percentages of requests the new revision receives and has
// copied from this step on; CanaryReplicas are the replicas it runs (its
// weight's share of StableReplicas, which the stable revision keeps). On a
// target without weighted routing (Approximated), the weight is approximated
// by pod counts: the new revision then receives about
// CanaryReplicas/(CanaryReplicas+StableReplicas) of the requests.
type CanaryStepStarted struct {
	Revision       int    `json:"revision"`
	Step           int    `json:"step"`
	Steps          int    `json:"steps"`
	Kind           string `json:"kind"`
	Weight         int32  `json:"weight"`
	Mirror         int32  `json:"mirror,omitempty"`
	CanaryReplicas int32  `json:"canaryReplicas"`
	StableReplicas int32  `json:"stableReplicas"`
	Approximated   bool   `json:"approximated,omitempty"`
	// Traffic says how the target carries the weight: CanaryTrafficGateway,
	// CanaryTrafficIngress or CanaryTrafficPods (Approximated). Empty in
	// events written before it existed: gateway unless Approximated.
	Traffic string `json:"traffic,omitempty"`
	// PauseUntil is when a timed pause step ends; nil for other steps and
	// for a pause until promoted.
	PauseUntil *time.Time `json:"pauseUntil,omitempty"`
	// Checks are the checks an analysis step runs.
	Checks []string `json:"checks,omitempty"`
}

func (CanaryStepStarted) Type() string { return "slipway.deployment.canary_step_started.v1" }

// TrafficMode is Traffic, or for an event written before Traffic existed,
// what it was then: pods when Approximated, else gateway.
func (e CanaryStepStarted) TrafficMode() string {
	switch {
	case e.Traffic != "":
		return e.Traffic
	case e.Approximated:
		return CanaryTrafficPods
	}
	return CanaryTrafficGateway
}

// The outcomes of one measurement (AnalysisMeasured.Phase).
const (
	MeasurementSuccessful   = "Successful"
	MeasurementFailed       = "Failed"
	MeasurementInconclusive = "Inconclusive"
)

// AnalysisMeasured records one measurement of a check at a canary's analysis
// step: Index counts the check's measurements in the step's Attempt (an
// attempt starts with the step and again at each resume). Value is what was
// held against the condition (0 when inconclusive); Reason names the check,
// the value and the condition, or what made it inconclusive.
//
// Background marks a measurement of a background check
// (RolloutAnalysis.Background): Step is then the canary's step when it was
// taken (informative), Attempt the background's attempt (a resume or a
// promotion starts another) and Index counts the check's measurements in it.
type AnalysisMeasured struct {
	Background bool      `json:"background,omitempty"`
	Revision   int       `json:"revision"`
	Step       int       `json:"step"`
	Attempt    int       `json:"attempt"`
	Check      string    `json:"check"`
	Index      int       `json:"index"`
	Phase      string    `json:"phase"`
	Value      float64   `json:"value"`
	Reason     string    `json:"reason"`
	At         time.Time `json:"at"`
}

func (AnalysisMeasured) Type() string { return "slipway.deployment.analysis_measured.v1" }

// AnalysisInconclusive records that a check of a canary's analysis step was
// inconclusive past its limit (or none of its measurements succeeded): the
// rollout is paused for a person (`rollout promote` to go on anyway,
// `resume` to measure again, `abort`). It never proceeds by itself.
//
// Attempt and Measurements say which run decided it: the step's attempt
// and how many of the check's measurements it had then. With Step they make
// the event's id, so a decision appended again (a publish retried after a
// lost ack, a step driven again) is one event.
type AnalysisInconclusive struct {
	// Background: a background check decided it (Attempt is then the
	// background's; see AnalysisMeasured).
	Background   bool   `json:"background,omitempty"`
	Revision     int    `json:"revision"`
	Step         int    `json:"step"`
	Attempt      int    `json:"attempt,omitempty"`
	Check        string `json:"check"`
	Measurements int    `json:"measurements,omitempty"`
	Message      string `json:"message"`
}

func (AnalysisInconclusive) Type() string { return "slipway.deployment.analysis_inconclusive.v1" }

// CanaryPromoted records that a person moved the canary of Revision past
// step Step (a pause until promoted, an analysis, any step), or with Full to
// its completion. A paused canary continues.
type CanaryPromoted struct {
	Revision int    `json:"revision"`
	Step     int    `json:"step"`
	Full     bool   `json:"full,omitempty"`
	Message  string `json:"message,omitempty"`
}

func (CanaryPromoted) Type() string { return "slipway.deployment.canary_promoted.v1" }

// PromoteRollout moves the canary in flight to its next step, or with Full
// to its completion (weight 100, then the rolling update of the main
// Deployment).
type PromoteRollout struct {
	Deployment DeploymentRef `json:"deployment"`
	Full       bool          `json:"full,omitempty"`
	Message    string        `json:"message,omitempty"`
}

func (PromoteRollout) Type() string { return "slipway.command.promote_rollout.v1" }
