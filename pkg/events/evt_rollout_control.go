package events

// RolloutPaused records that the rollout of a revision is held.
type RolloutPaused struct {
	Revision int    `json:"revision"`
	Message  string `json:"message,omitempty"`
}

func (RolloutPaused) Type() string { return "slipway.deployment.rollout_paused.v1" }

// RolloutResumed records that a held rollout continues.
type RolloutResumed struct {
	Revision int    `json:"revision"`
	Message  string `json:"message,omitempty"`
}

func (RolloutResumed) Type() string { return "slipway.deployment.rollout_resumed.v1" }

// RolloutAborted records that a rollout was stopped by request; the worker
// then rolls back to the last good revision.
type RolloutAborted struct {
	Revision int      `json:"revision"`
	Reason   string   `json:"reason"`
	Message  string   `json:"message"`
	Replicas Replicas `json:"replicas"`
	// RollbackTo is the revision the worker returns to; 0 when no revision
	// ever rolled out, and the abort ends here.
	RollbackTo int `json:"rollbackTo,omitempty"`
}

func (RolloutAborted) Type() string { return "slipway.deployment.rollout_aborted.v1" }
