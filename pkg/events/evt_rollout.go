package events

import "time"

// Replicas are a rollout's counts as Kubernetes reports them.
//
// Total (the Deployment's status.replicas: pods of every template, old and
// new) and Surge (how many of them are above Desired, what maxSurge bounds)
// were added later: events recorded before them decode with both zero.
type Replicas struct {
	Desired   int32 `json:"desired"`
	Updated   int32 `json:"updated"`
	Ready     int32 `json:"ready"`
	Available int32 `json:"available"`
	Total     int32 `json:"total,omitempty"`
	Surge     int32 `json:"surge,omitempty"`
}

// Condition mirrors a Kubernetes Deployment condition.
type Condition struct {
	Type    string `json:"type"`
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

// RolloutStarted records that the worker applied a revision to its target.
type RolloutStarted struct {
	Revision     int    `json:"revision"`
	FromRevision int    `json:"fromRevision,omitempty"`
	Desired      int32  `json:"desired"`
	Strategy     string `json:"strategy"`
}

func (RolloutStarted) Type() string { return "slipway.deployment.rollout_started.v1" }

// RolloutProgressed reports the counts of a rollout in flight; the worker
// emits one whenever they change.
type RolloutProgressed struct {
	Revision   int         `json:"revision"`
	Replicas   Replicas    `json:"replicas"`
	Conditions []Condition `json:"conditions,omitempty"`
}

func (RolloutProgressed) Type() string { return "slipway.deployment.rollout_progressed.v1" }

// RolloutSucceeded records that every replica of the revision is updated and available.
type RolloutSucceeded struct {
	Revision   int      `json:"revision"`
	Replicas   Replicas `json:"replicas"`
	DurationMS int64    `json:"durationMs"`
}

func (RolloutSucceeded) Type() string { return "slipway.deployment.rollout_succeeded.v1" }

// RolloutBaking records that every replica of the revision is updated and
// available and that the rollout now bakes (spec.rollout.bakeSeconds) until
// Until: it succeeds then unless the new pods fail before.
type RolloutBaking struct {
	Revision int       `json:"revision"`
	Replicas Replicas  `json:"replicas"`
	Until    time.Time `json:"until"`
}

func (RolloutBaking) Type() string { return "slipway.deployment.rollout_baking.v1" }

// RolloutFailed records a rollout that cannot finish, with a reason code.
type RolloutFailed struct {
	Revision int      `json:"revision"`
	Reason   string   `json:"reason"`
	Message  string   `json:"message"`
	Replicas Replicas `json:"replicas"`
}

func (RolloutFailed) Type() string { return "slipway.deployment.rollout_failed.v1" }

// RolloutQueued records that a rollout waits for a free slot: its target
// already runs as many rollouts as it allows at once.
type RolloutQueued struct {
	Revision int    `json:"revision"`
	Target   string `json:"target"`
	Limit    int    `json:"limit"`
}

func (RolloutQueued) Type() string { return "slipway.deployment.rollout_queued.v1" }
