package events

import "encoding/json"

// PromotionPlanned records a promotion's plan: the spec the target would
// run, where each field comes from, the env flags, the diff against what the
// target runs at TargetRevision, the env keys still missing a value, and the
// secret references (by env name) still missing a decision.
// Plan is the promoter's plan document (see services/promoter/internal/plan).
type PromotionPlanned struct {
	ID             string          `json:"id"`
	Source         DeploymentRef   `json:"source"`
	SourceRevision int             `json:"sourceRevision"`
	Target         DeploymentRef   `json:"target"`
	TargetRevision int             `json:"targetRevision"`
	TargetSeq      uint64          `json:"targetSeq"`
	DryRun         bool            `json:"dryRun,omitempty"`
	Message        string          `json:"message,omitempty"`
	Missing        []string        `json:"missing,omitempty"`
	MissingSecrets []string        `json:"missingSecrets,omitempty"`
	Plan           json.RawMessage `json:"plan"`
}

func (PromotionPlanned) Type() string { return "slipway.promotion.planned.v1" }

// PromotionApplied records that the plan was handed to the target as a
// command; its outcome is the target's (the operation follows it).
type PromotionApplied struct {
	ID     string        `json:"id"`
	Target DeploymentRef `json:"target"`
}

func (PromotionApplied) Type() string { return "slipway.promotion.applied.v1" }
