package events

// DeploymentTerminated records the decision to terminate: no command but a
// create (when the name was freed) is accepted after it. A rollout in flight
// is superseded.
type DeploymentTerminated struct {
	Revision            int    `json:"revision"`
	FreeName            bool   `json:"freeName,omitempty"`
	Message             string `json:"message,omitempty"`
	SupersededOperation string `json:"supersededOperation,omitempty"`
}

func (DeploymentTerminated) Type() string { return "slipway.deployment.terminated.v1" }

// TerminationCompleted records that the deployment's Kubernetes objects are gone.
type TerminationCompleted struct {
	Objects []string `json:"objects"`
}

func (TerminationCompleted) Type() string { return "slipway.deployment.termination_completed.v1" }
