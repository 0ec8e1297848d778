package events

// AliasSet records the decision to point an alias at a revision; the worker
// then moves it (AliasMoved).
//
// A move still in progress when the alias is set again is superseded: the
// newest move wins, and SupersededRevision and SupersededOperation name the
// move given up (its operation ends failed, reason Superseded).
type AliasSet struct {
	Alias               string `json:"alias"`
	Revision            int    `json:"revision"`
	Previous            int    `json:"previous,omitempty"`
	Message             string `json:"message,omitempty"`
	SupersededRevision  int    `json:"supersededRevision,omitempty"`
	SupersededOperation string `json:"supersededOperation,omitempty"`
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

// AliasMoveFailed records a move given up because the revision's pods did
// not become available: they crash-loop (ReasonCrashLoopBackOff), cannot pull
// their image (ReasonImagePullBackOff), or made no progress within the
// revision's progress deadline (ReasonProgressDeadlineExceeded). The alias
// stays on Previous, the revision it served before (0: none yet).
type AliasMoveFailed struct {
	Alias    string `json:"alias"`
	Revision int    `json:"revision"`
	Previous int    `json:"previous,omitempty"`
	Reason   string `json:"reason"`
	Message  string `json:"message"`
}

func (AliasMoveFailed) Type() string { return "slipway.deployment.alias_move_failed.v1" }

// AliasDeleted records that an alias is gone.
type AliasDeleted struct {
	Alias    string `json:"alias"`
	Revision int    `json:"revision"`
}

func (AliasDeleted) Type() string { return "slipway.deployment.alias_deleted.v1" }
