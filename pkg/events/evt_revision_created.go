package events

// RevisionCreated records a new revision (update, rollback, auto-rollback),
// which the worker then rolls out. A rollout still in flight is superseded:
// the newest revision always wins.
type RevisionCreated struct {
	Revision Revision `json:"revision"`
	// Supersedes is the revision whose unfinished rollout this one replaces,
	// and SupersededOperation that rollout's operation (settled as failed).
	Supersedes          int    `json:"supersedes,omitempty"`
	SupersededOperation string `json:"supersededOperation,omitempty"`
}

func (RevisionCreated) Type() string { return "slipway.deployment.revision_created.v1" }

// DeploymentUnchanged records an update that asked for what already runs:
// no revision is created, and the operation succeeds saying so.
type DeploymentUnchanged struct {
	Revision int    `json:"revision"`
	Message  string `json:"message"`
}

func (DeploymentUnchanged) Type() string { return "slipway.deployment.unchanged.v1" }

// DriftDetected records that a managed Kubernetes object was changed outside
// Slipway, which fields, and what was done about it.
type DriftDetected struct {
	Revision int      `json:"revision"`
	Object   string   `json:"object"`
	Fields   []string `json:"fields"`
	Managers []string `json:"managers,omitempty"`
	// Deleted means the object was gone: deleted outside Slipway (Fields is
	// empty). Reverting recreates it; a deletion is never adopted.
	Deleted bool `json:"deleted,omitempty"`
	// Action is DriftReverted, DriftReported or DriftAdopted.
	Action string `json:"action"`
	// Adopted is the revision that takes the cluster's change into the spec
	// (action DriftAdopted). It keeps the running pod template revision: the
	// pods already run the change, so adopting it replaces none. The event is
	// then also the revision's creation, so adopting is one atomic append.
	Adopted *Revision `json:"adopted,omitempty"`
}

func (DriftDetected) Type() string { return "slipway.deployment.drift_detected.v1" }

// Drift actions.
const (
	DriftReverted = "reverted"
	DriftReported = "reported"
	DriftAdopted  = "adopted"
)
