package events

// AliasSet records the decision to point an alias at a revision; the worker
// then moves it (AliasMoved).
type AliasSet struct {
	Alias    string `json:"alias"`
	Revision int    `json:"revision"`
	Previous int    `json:"previous,omitempty"`
	Message  string `json:"message,omitempty"`
}

func (AliasSet) Type() string { return "slipway.deployment.alias_set.v1" }

// AliasMoved records that the alias's Service now selects the revision's
// pods. Warm says whether they were ready already (an instant move).
type AliasMoved struct {
	Alias    string `json:"alias"`
	Revision int    `json:"revision"`
	Previous int    `json:"previous,omitempty"`
	Warm     bool   `json:"warm"`
}

func (AliasMoved) Type() string { return "slipway.deployment.alias_moved.v1" }

// AliasDeleted records that an alias is gone.
type AliasDeleted struct {
	Alias    string `json:"alias"`
	Revision int    `json:"revision"`
}

func (AliasDeleted) Type() string { return "slipway.deployment.alias_deleted.v1" }
