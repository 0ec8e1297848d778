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
	// ReasonPreconditionFailed: If-Match named a version that is no longer current.
	ReasonPreconditionFailed = "PreconditionFailed"
	// ReasonNoRolloutInFlight: pause, resume or abort with nothing rolling out.
	ReasonNoRolloutInFlight = "NoRolloutInFlight"
	// ReasonNotACanary: promote with a rollout in flight that is not a canary.
	ReasonNotACanary = "NotACanary"
	// ReasonTargetFromConfig: the target is defined by the workers'
	// configuration, so the API cannot replace or remove it.
	ReasonTargetFromConfig = "TargetFromConfig"
	// ReasonTargetInUse: deployments still run on the target.
	ReasonTargetInUse = "TargetInUse"

	// Rollout outcomes.
	ReasonRolloutComplete          = "RolloutComplete"
	ReasonProgressDeadlineExceeded = "ProgressDeadlineExceeded"
	ReasonApplyFailed              = "ApplyFailed"
	// ReasonTargetUnavailable: the target's API server could not be reached
	// (or the worker has no client for it) within the worker's deadline.
	ReasonTargetUnavailable = "TargetUnavailable"
	// ReasonSuperseded: a newer revision replaced the rollout before it ended.
	ReasonSuperseded = "Superseded"
	// ReasonAborted: the rollout was stopped by request.
	ReasonAborted = "Aborted"
	// ReasonAnalysisFailed: a canary's check failed (the message names the
	// check, its value and its condition); the weight went back to 0.
	ReasonAnalysisFailed = "AnalysisFailed"

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
	// ReasonCrashLoopBackOff: pods crash repeatedly (HealthChanged.Revision
	// names their template revision).
	ReasonCrashLoopBackOff = "CrashLoopBackOff"
	// ReasonImagePullBackOff: pods cannot pull their image.
	ReasonImagePullBackOff = "ImagePullBackOff"
	// ReasonUnschedulable: pods stay Pending because no node fits them.
	ReasonUnschedulable = "Unschedulable"
	// ReasonNoReadyEndpoints: the Service has EndpointSlices but no ready endpoint.
	ReasonNoReadyEndpoints = "NoReadyEndpoints"
	// ReasonProbeFailing: the monitor's HTTP readiness probe of the Service fails.
	ReasonProbeFailing = "ProbeFailing"
)
