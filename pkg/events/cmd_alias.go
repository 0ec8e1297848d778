package events

// SetAlias points an alias (staging, production, ...) at a revision,
// creating the alias if it is new. The move is instant when the revision's
// pods are ready; otherwise the revision is started first.
type SetAlias struct {
	Deployment DeploymentRef `json:"deployment"`
	Alias      string        `json:"alias"`
	Revision   int           `json:"revision"`
	Message    string        `json:"message,omitempty"`
}

func (SetAlias) Type() string { return "slipway.command.set_alias.v1" }

// DeleteAlias removes an alias and its Service.
type DeleteAlias struct {
	Deployment DeploymentRef `json:"deployment"`
	Alias      string        `json:"alias"`
}

func (DeleteAlias) Type() string { return "slipway.command.delete_alias.v1" }
