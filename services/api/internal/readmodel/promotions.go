package readmodel

import (
	"encoding/json"
	"time"

	"slipway.dev/pkg/events"
)

// Promotion is the read model of one promotion: its plan for review, and
// the operations that applied it.
type Promotion struct {
	ID             string          `bson:"_id"`
	Source         string          `bson:"source"`
	SourceRevision int             `bson:"sourceRevision"`
	Target         string          `bson:"target"`
	TargetRevision int             `bson:"targetRevision"`
	DryRun         bool            `bson:"dryRun"`
	Message        string          `bson:"message,omitempty"`
	Missing        []string        `bson:"missing"`
	MissingSecrets []string        `bson:"missingSecrets"`
	PlanJSON       string          `bson:"plan"`
	Plan           json.RawMessage `bson:"-"`
	Applications   []Application   `bson:"applications"`
	Actor          string          `bson:"actor"`
	CreatedAt      time.Time       `bson:"createdAt"`
	Seq            uint64          `bson:"seq"`
}

// Application is one attempt to apply the plan, followed by its operation.
type Application struct {
	Operation string    `bson:"operation"`
	Actor     string    `bson:"actor"`
	At        time.Time `bson:"at"`
}

// ProjectPromotion applies one event of a promotion's history.
func ProjectPromotion(p *Promotion, seq uint64, env events.Envelope, msg events.Message) bool {
	if seq <= p.Seq {
		return false
	}
	switch m := msg.(type) {
	case events.PromotionPlanned:
		*p = Promotion{ID: m.ID, Source: m.Source.String(), SourceRevision: m.SourceRevision, Target: m.Target.String(),
			TargetRevision: m.TargetRevision, DryRun: m.DryRun, Message: m.Message, Missing: append([]string{}, m.Missing...),
			MissingSecrets: append([]string{}, m.MissingSecrets...), PlanJSON: string(m.Plan), Applications: []Application{},
			Actor: env.Actor, CreatedAt: env.Time}
	case events.PromotionApplied:
		if p.ID == "" {
			return false
		}
		p.Applications = append(p.Applications, Application{Operation: env.CorrelationID, Actor: env.Actor, At: env.Time})
	default:
		return false
	}
	p.Seq = seq
	return true
}

// Present fills the decoded fields of a promotion read from the store.
// A promotion planned before secret references were decided has no
// missingSecrets: none were missing.
func (p *Promotion) Present() {
	p.Plan = json.RawMessage(p.PlanJSON)
	if p.MissingSecrets == nil {
		p.MissingSecrets = []string{}
	}
}
