package events

// PlanPromotion asks the promoter for the plan of promoting Source (at
// SourceRevision, or the revision it runs) onto Target, and, unless DryRun,
// to apply it at once when it is complete. ID names the promotion; it is the
// operation id of the request. Env and UseSourceEnv decide env keys new in
// the source; Secrets (by env name) and UseSourceSecrets decide secret
// references new in the source.
type PlanPromotion struct {
	ID               string                  `json:"id"`
	Source           DeploymentRef           `json:"source"`
	SourceRevision   int                     `json:"sourceRevision,omitempty"`
	Target           DeploymentRef           `json:"target"`
	Env              map[string]string       `json:"env,omitempty"`
	UseSourceEnv     []string                `json:"useSourceEnv,omitempty"`
	Secrets          map[string]SecretKeyRef `json:"secrets,omitempty"`
	UseSourceSecrets []string                `json:"useSourceSecrets,omitempty"`
	DryRun           bool                    `json:"dryRun,omitempty"`
	Message          string                  `json:"message,omitempty"`
}

// SecretKeyRef names a key of a Kubernetes Secret (a reference; never a
// value).
type SecretKeyRef struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

func (PlanPromotion) Type() string { return "slipway.command.plan_promotion.v1" }

// ApplyPromotion applies a promotion planned earlier, as it was reviewed: it
// is refused when the target changed since the plan (a stale plan).
type ApplyPromotion struct {
	ID     string        `json:"id"`
	Target DeploymentRef `json:"target"`
}

func (ApplyPromotion) Type() string { return "slipway.command.apply_promotion.v1" }

// PromoteDeployment is the promoter's command to the rollout worker: run Spec
// on Deployment as a new revision, caused by the promotion, unless the
// deployment moved on from ExpectedSeq (the version the plan was made on).
type PromoteDeployment struct {
	Deployment     DeploymentRef `json:"deployment"`
	Spec           Spec          `json:"spec"`
	PromotionID    string        `json:"promotionId"`
	Source         DeploymentRef `json:"source"`
	SourceRevision int           `json:"sourceRevision"`
	ExpectedSeq    uint64        `json:"expectedSeq"`
	Message        string        `json:"message,omitempty"`
}

func (PromoteDeployment) Type() string { return "slipway.command.promote_deployment.v1" }
