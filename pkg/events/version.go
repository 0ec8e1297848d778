package events

// A deployment's version is the stream sequence of the last event that
// changed what its clients control: the spec (a new revision, whoever made
// it), aliases, labels, environment, a held rollout, termination. Progress,
// health, routing and reported drift do not move it, so a plan or an ETag
// stays valid while the deployment merely rolls out or changes health.
// If-Match and a promotion's plan condition on the version; appends
// condition on the subject's last sequence (pkg/bus), which every event moves.

// DeploymentEvent is an event of a deployment's history. Every one says
// whether it moves the deployment's version; a test holds each registered
// slipway.deployment.* type to a classification.
type DeploymentEvent interface {
	Message
	MovesVersion() bool
}

// MovesVersion reports whether m moves a deployment's version. Messages that
// are no deployment events (a CommandRejected on its history) do not.
func MovesVersion(m Message) bool {
	d, ok := m.(DeploymentEvent)
	return ok && d.MovesVersion()
}

// What a client asked for, or a new revision made for it: the version moves.
func (DeploymentCreated) MovesVersion() bool    { return true }
func (RevisionCreated) MovesVersion() bool      { return true }
func (DeploymentTerminated) MovesVersion() bool { return true }
func (AliasSet) MovesVersion() bool             { return true }
func (AliasDeleted) MovesVersion() bool         { return true }

// Pausing and resuming hold or release the rollout, as Kubernetes'
// spec.paused does; an abort rolls back: the client changed what runs.
func (RolloutPaused) MovesVersion() bool  { return true }
func (RolloutResumed) MovesVersion() bool { return true }
func (RolloutAborted) MovesVersion() bool { return true }
func (CanaryPromoted) MovesVersion() bool { return true }

// Drift moves the version only when adopted: then the spec changed.
func (m DriftDetected) MovesVersion() bool { return m.Adopted != nil }

// What happens to what the client asked for: progress, health, routing, the
// end of a termination or of an alias move (done or failed: the alias stays
// where the client last saw it settled), nothing changed.
func (DeploymentUnchanged) MovesVersion() bool  { return false }
func (RolloutQueued) MovesVersion() bool        { return false }
func (RolloutStarted) MovesVersion() bool       { return false }
func (RolloutProgressed) MovesVersion() bool    { return false }
func (RolloutBaking) MovesVersion() bool        { return false }
func (RolloutSucceeded) MovesVersion() bool     { return false }
func (RolloutFailed) MovesVersion() bool        { return false }
func (HealthChanged) MovesVersion() bool        { return false }
func (RoutingChanged) MovesVersion() bool       { return false }
func (AliasMoved) MovesVersion() bool           { return false }
func (AliasMoveFailed) MovesVersion() bool      { return false }
func (TerminationCompleted) MovesVersion() bool { return false }
func (CanaryStepStarted) MovesVersion() bool    { return false }
func (AnalysisMeasured) MovesVersion() bool     { return false }
func (AnalysisInconclusive) MovesVersion() bool { return false }
