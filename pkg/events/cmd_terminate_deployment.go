package events

// TerminateDeployment asks to remove a deployment's Kubernetes objects. The
// history and audit stay; the name stays reserved unless FreeName is set.
type TerminateDeployment struct {
	Deployment DeploymentRef `json:"deployment"`
	FreeName   bool          `json:"freeName,omitempty"`
	Message    string        `json:"message,omitempty"`
}

func (TerminateDeployment) Type() string { return "slipway.command.terminate_deployment.v1" }
