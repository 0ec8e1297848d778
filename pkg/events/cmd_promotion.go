package events

// PlanPromotion asks the promoter for the plan of promoting Source (at
// SourceRevision, or the revision it runs) onto Target, and, unless DryRun,
// to apply it at once when it is complete. ID names the promotion; it is the
// operation id of the request.
type PlanPromotion struct {
	ID             string            `json:"id"`
	Source         DeploymentRef     `json:"source"`
	SourceRevision int               `json:"sourceRevision,omitempty"`
	Target         DeploymentRef     `json:"target"`
	Env            map[string]string `json:"env,omitempty"`
	UseSourceEnv   []string          `json:"useSourceEnv,omitempty"`
	DryRun         bool              `json:"dryRun,omitempty"`
	Message        string            `json:"message,omitempty"`
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
