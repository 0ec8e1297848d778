package events

// TargetRegistered records a target registered through the API; workers and
// the health monitor connect to it without a restart.
type TargetRegistered struct {
	Target TargetSpec `json:"target"`
}

func (TargetRegistered) Type() string { return "slipway.target.registered.v1" }

// TargetUpdated records a registration replaced by a new one; Changed names
// the top-level fields that differ (empty: the same registration again).
type TargetUpdated struct {
	Target  TargetSpec `json:"target"`
	Changed []string   `json:"changed,omitempty"`
}

func (TargetUpdated) Type() string { return "slipway.target.updated.v1" }

// TargetRemoved records a registered target's removal; workers drop their
// clients of it.
type TargetRemoved struct {
	Name string `json:"name"`
}

func (TargetRemoved) Type() string { return "slipway.target.removed.v1" }
