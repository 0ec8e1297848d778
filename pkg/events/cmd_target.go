package events

// RegisterTarget registers a target through the API, or replaces the
// registration of one registered earlier (PUT semantics). Targets from the
// workers' configuration cannot be replaced.
type RegisterTarget struct {
	Target TargetSpec `json:"target"`
}

func (RegisterTarget) Type() string { return "slipway.command.register_target.v1" }

// RemoveTarget removes a target registered through the API. The api refuses
// it while deployments still run on the target.
type RemoveTarget struct {
	Name string `json:"name"`
}

func (RemoveTarget) Type() string { return "slipway.command.remove_target.v1" }
