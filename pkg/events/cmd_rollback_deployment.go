package events

// RollbackDeployment asks for a new revision running the spec of an earlier
// one (at v10, a rollback to v5 creates v11).
type RollbackDeployment struct {
	Deployment DeploymentRef `json:"deployment"`
	ToRevision int           `json:"toRevision"`
	Message    string        `json:"message,omitempty"`
}

func (RollbackDeployment) Type() string { return "slipway.command.rollback_deployment.v1" }
