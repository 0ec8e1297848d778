package promoter

import (
	"context"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
)

// deployment is what the promoter needs of a deployment's history.
type deployment struct {
	exists, terminated bool
	revisions          map[int]events.Spec
	current, stable    int
	// version is the sequence of the last event that changed what clients
	// control (events.MovesVersion): a plan's targetSeq, which the worker
	// compares when the plan is applied.
	version uint64
}

func loadDeployment(ctx context.Context, b eventLog, ref events.DeploymentRef) (deployment, error) {
	records, _, err := b.History(ctx, events.DeploymentSubject(ref))
	if err != nil {
		return deployment{}, err
	}
	d := deployment{revisions: map[int]events.Spec{}}
	add := func(r events.Revision) { d.revisions[r.Number], d.current = r.Spec, r.Number }
	for _, r := range records {
		if events.MovesVersion(r.Message) {
			d.version = r.Seq
		}
		if rev, ok := events.RevisionOf(r.Message); ok {
			add(rev)
		}
		switch m := r.Message.(type) {
		case events.DeploymentCreated:
			d.exists, d.terminated = true, false
		case events.RolloutSucceeded:
			d.stable = m.Revision
		case events.DeploymentTerminated:
			d.terminated = true
		}
	}
	return d, nil
}

// promotion is what a promotion's history says.
type promotion struct {
	planned *events.PromotionPlanned
	applied map[string]bool // causation ids of PromotionApplied
	lastSeq uint64
}

func loadPromotion(ctx context.Context, b eventLog, id string) (promotion, error) {
	records, last, err := b.History(ctx, events.PromotionSubject(id))
	if err != nil {
		return promotion{}, err
	}
	p := promotion{applied: map[string]bool{}, lastSeq: last}
	for _, r := range records {
		p.apply(r)
	}
	return p, nil
}

// apply folds one event of the promotion's history.
func (p *promotion) apply(r bus.Record) {
	p.lastSeq = r.Seq
	switch m := r.Message.(type) {
	case events.PromotionPlanned:
		p.planned = &m
	case events.PromotionApplied:
		p.applied[r.Envelope.CausationID] = true
	case events.CommandRejected:
		p.applied[r.Envelope.CausationID] = true // settled: nothing more to do for that command
	}
}
