package events

// Reason codes: stable machine-readable causes on rejections, failures and
// health transitions. Clients match on these; never rename one.
const (
	// Command rejections.
	ReasonAlreadyExists   = "AlreadyExists"
	ReasonUnknownTarget   = "UnknownTarget"
	ReasonInvalidSpec     = "InvalidSpec"
	ReasonUnknownInstance = "UnknownInstanceType"
	ReasonNotFound        = "NotFound"

	// Rollout outcomes.
	ReasonRolloutComplete          = "RolloutComplete"
	ReasonProgressDeadlineExceeded = "ProgressDeadlineExceeded"
	ReasonApplyFailed              = "ApplyFailed"
	ReasonTargetUnavailable        = "TargetUnavailable"

	// Health states and reasons.
	HealthHealthy     = "Healthy"
	HealthProgressing = "Progressing"
	HealthDegraded    = "Degraded"
	HealthUnavailable = "Unavailable"
	HealthUnknown     = "Unknown"

	ReasonAllReplicasReady  = "AllReplicasReady"
	ReasonReplicasUnready   = "ReplicasUnready"
	ReasonNoReadyReplicas   = "NoReadyReplicas"
	ReasonRolloutInProgress = "RolloutInProgress"
	ReasonObjectMissing     = "DeploymentMissing"
)
