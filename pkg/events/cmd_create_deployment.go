package events

// CreateDeployment asks for a new deployment; revision 1 runs Spec.
// The rollout worker rejects it when the name is taken, the target is
// unknown, or the spec is invalid for the target.
type CreateDeployment struct {
	Deployment  DeploymentRef     `json:"deployment"`
	Target      string            `json:"target,omitempty"`
	Environment string            `json:"environment,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Spec        Spec              `json:"spec"`
	// RequestHash identifies the request body, so a reused Idempotency-Key with
	// a different body is refused instead of silently answered.
	RequestHash string `json:"requestHash,omitempty"`
}

func (CreateDeployment) Type() string { return "slipway.command.create_deployment.v1" }
