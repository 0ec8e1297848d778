package events

// RolloutPhase is where a revision's rollout stands. The worker folds the
// phases it decides on from the history; the read model and the API show
// every one, and the CLI follows them. The OpenAPI document lists
// RolloutPhases (a test in the api holds it to them).
type RolloutPhase string

// Rollout phases.
const (
	// RolloutPhasePending: the revision is made; its rollout has not started.
	RolloutPhasePending RolloutPhase = "Pending"
	// RolloutPhaseQueued: the rollout waits for a free slot on its target.
	RolloutPhaseQueued      RolloutPhase = "Queued"
	RolloutPhaseProgressing RolloutPhase = "Progressing"
	RolloutPhasePaused      RolloutPhase = "Paused"
	// RolloutPhaseBaking: every replica is available; the rollout waits out
	// spec.rollout.bakeSeconds, failing if the new pods fail meanwhile.
	RolloutPhaseBaking    RolloutPhase = "Baking"
	RolloutPhaseSucceeded RolloutPhase = "Succeeded"
	RolloutPhaseFailed    RolloutPhase = "Failed"
	RolloutPhaseAborted   RolloutPhase = "Aborted"
	// RolloutPhaseSuperseded: a newer revision (or the deployment's
	// termination) replaced the rollout before it ended.
	RolloutPhaseSuperseded RolloutPhase = "Superseded"
)

// RolloutPhases lists every rollout phase, in the order the API documents them.
func RolloutPhases() []RolloutPhase {
	return []RolloutPhase{RolloutPhasePending, RolloutPhaseQueued, RolloutPhaseProgressing, RolloutPhasePaused,
		RolloutPhaseBaking, RolloutPhaseSucceeded, RolloutPhaseFailed, RolloutPhaseAborted, RolloutPhaseSuperseded}
}

// Terminal reports whether the rollout has ended.
func (p RolloutPhase) Terminal() bool {
	switch p {
	case RolloutPhaseSucceeded, RolloutPhaseFailed, RolloutPhaseAborted, RolloutPhaseSuperseded:
		return true
	}
	return false
}

// DeploymentPhase is where a deployment stands, as the read model and the
// API show it: the outcome of its last rollout, or its termination.
type DeploymentPhase string

// Deployment phases.
const (
	// DeploymentPhasePending: created, not rolled out yet.
	DeploymentPhasePending     DeploymentPhase = "Pending"
	DeploymentPhaseProgressing DeploymentPhase = "Progressing"
	DeploymentPhaseRunning     DeploymentPhase = "Running"
	// DeploymentPhaseFailed: the last rollout failed (the deployment's
	// reason says why).
	DeploymentPhaseFailed      DeploymentPhase = "Failed"
	DeploymentPhaseTerminating DeploymentPhase = "Terminating"
	DeploymentPhaseTerminated  DeploymentPhase = "Terminated"
)

// DeploymentPhases lists every deployment phase, in the order the API documents them.
func DeploymentPhases() []DeploymentPhase {
	return []DeploymentPhase{DeploymentPhasePending, DeploymentPhaseProgressing, DeploymentPhaseRunning,
		DeploymentPhaseFailed, DeploymentPhaseTerminating, DeploymentPhaseTerminated}
}

// HealthStates lists every health state (HealthHealthy ...), in the order
// the API documents them.
func HealthStates() []string {
	return []string{HealthHealthy, HealthProgressing, HealthDegraded, HealthUnavailable, HealthUnknown}
}

// HealthReasons lists every reason a health state is given for, in the
// order the API documents them.
func HealthReasons() []string {
	return []string{ReasonAllReplicasReady, ReasonReplicasUnready, ReasonNoReadyReplicas, ReasonRolloutInProgress,
		ReasonObjectMissing, ReasonCrashLoopBackOff, ReasonImagePullBackOff, ReasonUnschedulable,
		ReasonNoReadyEndpoints, ReasonProbeFailing}
}
