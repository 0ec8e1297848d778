package events

// PauseRollout holds the rollout in flight where it is (Kubernetes
// spec.paused): no more pods are replaced and the progress deadline stops.
type PauseRollout struct {
	Deployment DeploymentRef `json:"deployment"`
	Message    string        `json:"message,omitempty"`
}

func (PauseRollout) Type() string { return "slipway.command.pause_rollout.v1" }

// ResumeRollout lets a paused rollout continue.
type ResumeRollout struct {
	Deployment DeploymentRef `json:"deployment"`
	Message    string        `json:"message,omitempty"`
}

func (ResumeRollout) Type() string { return "slipway.command.resume_rollout.v1" }

// AbortRollout stops the rollout in flight and returns to the last good
// revision; the operation ends when that revision runs again.
type AbortRollout struct {
	Deployment DeploymentRef `json:"deployment"`
	Message    string        `json:"message,omitempty"`
}

func (AbortRollout) Type() string { return "slipway.command.abort_rollout.v1" }
