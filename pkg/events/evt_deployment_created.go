package events

// DeploymentCreated records a new deployment and its revision 1.
type DeploymentCreated struct {
	Deployment  DeploymentRef     `json:"deployment"`
	Target      TargetInfo        `json:"target"`
	Environment string            `json:"environment"`
	Labels      map[string]string `json:"labels,omitempty"`
	Revision    Revision          `json:"revision"`
}

func (DeploymentCreated) Type() string { return "slipway.deployment.created.v1" }

// TargetInfo is what a deployment records of its target when it is created,
// so read models derive URLs from events alone.
type TargetInfo struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	BaseURL   string `json:"baseURL"`
	// Simulated marks a target that is not a real cluster (slipway dev without one).
	Simulated bool `json:"simulated,omitempty"`
	// ObjectName is the name of the deployment's Kubernetes objects.
	ObjectName string `json:"objectName"`
}

// Revision is an immutable numbered snapshot of a deployment's spec.
type Revision struct {
	Number  int    `json:"number"`
	Spec    Spec   `json:"spec"`
	Cause   string `json:"cause"`
	Message string `json:"message,omitempty"`
	// TemplateRevision is the revision whose pod template this one runs: its
	// own number, or an earlier one when only scaling changed (pods are then
	// kept, not replaced). 0 means Number.
	TemplateRevision int `json:"templateRevision,omitempty"`
	// RollbackOf is the revision a rollback copied its spec from.
	RollbackOf int `json:"rollbackOf,omitempty"`
	// PromotedFrom is the deployment revision a promotion took the spec from.
	PromotedFrom *PromotionSource `json:"promotedFrom,omitempty"`
}

// PodTemplateRevision is the revision whose pod template this one runs.
func (r Revision) PodTemplateRevision() int {
	if r.TemplateRevision != 0 {
		return r.TemplateRevision
	}
	return r.Number
}

// Revision causes.
const (
	CauseCreated      = "created"
	CauseUpdated      = "updated"
	CauseAutoRollback = "auto-rollback"
	CauseRollback     = "rollback"
	// CauseAbort: the revision restores the last good one after an abort.
	CauseAbort = "abort"
	// CauseAdopted: the revision takes a change made on the cluster into the spec.
	CauseAdopted = "adopted"
	// CausePromoted: the revision came from another deployment's revision.
	CausePromoted = "promoted"
)

// PromotionSource names where a promoted revision came from.
type PromotionSource struct {
	Deployment  DeploymentRef `json:"deployment"`
	Revision    int           `json:"revision"`
	PromotionID string        `json:"promotionId"`
}
