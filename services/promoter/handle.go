package promoter

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/telemetry"
	"slipway.dev/services/promoter/internal/plan"
)

const source = "/slipway/promoter"

// eventLog is what the promoter needs of the bus (a *bus.Conn): the
// histories of deployments and promotions to read and append to, and the
// COMMANDS stream to hand a plan to the target's worker.
type eventLog interface {
	bus.Appender
	History(ctx context.Context, subject string) ([]bus.Record, uint64, error)
	PublishCommand(ctx context.Context, subject string, env events.Envelope) (bus.Published, error)
}

type handler struct {
	bus eventLog
	log *slog.Logger
}

// handle settles one promotion command. Every step is idempotent (the plan
// is appended once, the target's command carries a stable Nats-Msg-Id, the
// application is recorded by causation), so a redelivery is harmless.
func (h *handler) handle(ctx context.Context, m jetstream.Msg) {
	env, err := events.Unmarshal(m.Data())
	if err != nil {
		_ = m.TermWithReason("malformed envelope")
		return
	}
	ctx = telemetry.Extract(ctx, m.Headers())
	ctx, span := telemetry.Tracer("slipway/promoter").Start(ctx, "promote "+env.Type)
	defer span.End()
	msg, err := env.Decode()
	if err == nil {
		switch cmd := msg.(type) {
		case events.PlanPromotion:
			err = h.plan(ctx, env, cmd)
		case events.ApplyPromotion:
			err = h.applyByID(ctx, env, cmd)
		default:
			err = fmt.Errorf("the promoter does not handle %s", env.Type)
		}
	}
	if err != nil {
		h.log.ErrorContext(ctx, "promotion not settled; will retry", "operation", env.CorrelationID, "err", err)
		_ = m.NakWithDelay(time.Second)
		return
	}
	_ = m.Ack()
}

func (h *handler) plan(ctx context.Context, env events.Envelope, cmd events.PlanPromotion) error {
	if cmd.ID == "" {
		cmd.ID = env.CorrelationID // the promotion is named by the operation that asked for it
	}
	p, err := loadPromotion(ctx, h.bus, cmd.ID)
	if err != nil || p.applied[env.ID] {
		return err
	}
	if p.planned == nil {
		planned, reason, why, err := h.makePlan(ctx, cmd)
		if err != nil {
			return err
		}
		if reason != "" {
			return h.reject(ctx, env, cmd.ID, p, reason, why, nil)
		}
		// Planned once: a plan stored meanwhile (another delivery) is the plan.
		if p, err = h.appendTo(ctx, p, cmd.ID, cmd.ID, env, planned, ".planned", func(p promotion) bool { return p.planned != nil }); err != nil {
			return err
		}
	}
	if cmd.DryRun {
		return nil
	}
	return h.apply(ctx, env, p)
}

func (h *handler) applyByID(ctx context.Context, env events.Envelope, cmd events.ApplyPromotion) error {
	p, err := loadPromotion(ctx, h.bus, cmd.ID)
	if err != nil || p.applied[env.ID] {
		return err
	}
	if p.planned == nil {
		return h.reject(ctx, env, cmd.ID, p, events.ReasonNotFound, fmt.Sprintf("promotion %s has no plan", cmd.ID), nil)
	}
	return h.apply(ctx, env, p)
}

// apply hands the planned spec to the target's worker, refusing an
// incomplete plan. The worker refuses a stale one.
func (h *handler) apply(ctx context.Context, env events.Envelope, p promotion) error {
	pl := p.planned
	if len(pl.Missing)+len(pl.MissingSecrets) > 0 {
		var fe []events.FieldError
		for _, k := range pl.Missing {
			fe = append(fe, events.FieldError{Field: "env." + k,
				Message: "is new in the source: give it a value, or list it in useSourceEnv to take the source's"})
		}
		for _, k := range pl.MissingSecrets {
			fe = append(fe, events.FieldError{Field: "secrets." + k,
				Message: "is a secret reference new in the source: name the target's secret and key, or list it in useSourceSecrets to take the source's reference"})
		}
		return h.reject(ctx, env, pl.ID, p, events.ReasonInvalidSpec,
			"the plan needs a decision for what is new in the source: "+strings.Join(slices.Concat(pl.Missing, pl.MissingSecrets), ", "), fe)
	}
	var doc plan.Plan
	if err := json.Unmarshal(pl.Plan, &doc); err != nil {
		return fmt.Errorf("promotion %s: read plan: %w", pl.ID, err)
	}
	cmd := events.PromoteDeployment{Deployment: pl.Target, Spec: doc.Spec, PromotionID: pl.ID, Source: pl.Source,
		SourceRevision: pl.SourceRevision, ExpectedSeq: pl.TargetSeq, Message: pl.Message}
	out, err := events.Wrap(cmd, meta(ctx, env, env.ID+".promote", pl.Target.String()))
	if err != nil {
		return err
	}
	if _, err := h.bus.PublishCommand(ctx, events.CommandSubject(events.KindPromoted, pl.Target), out); err != nil {
		return err
	}
	_, err = h.appendTo(ctx, p, pl.ID, pl.ID, env, events.PromotionApplied{ID: pl.ID, Target: pl.Target}, ".applied", settledBy(env))
	return err
}

// makePlan loads both deployments and plans; a reason is a rejection.
func (h *handler) makePlan(ctx context.Context, cmd events.PlanPromotion) (events.PromotionPlanned, string, string, error) {
	src, err := loadDeployment(ctx, h.bus, cmd.Source)
	if err != nil {
		return events.PromotionPlanned{}, "", "", err
	}
	tgt, err := loadDeployment(ctx, h.bus, cmd.Target)
	if err != nil {
		return events.PromotionPlanned{}, "", "", err
	}
	rev := cmd.SourceRevision
	if rev == 0 {
		rev = src.stable
	}
	switch {
	case !src.exists || src.terminated:
		return events.PromotionPlanned{}, events.ReasonNotFound, fmt.Sprintf("source %s does not exist", cmd.Source), nil
	case !tgt.exists || tgt.terminated:
		return events.PromotionPlanned{}, events.ReasonNotFound, fmt.Sprintf("target %s does not exist", cmd.Target), nil
	case rev == 0:
		return events.PromotionPlanned{}, events.ReasonNotFound, fmt.Sprintf("source %s has no revision that rolled out; name sourceRevision", cmd.Source), nil
	}
	spec, ok := src.revisions[rev]
	if !ok {
		return events.PromotionPlanned{}, events.ReasonNotFound, fmt.Sprintf("source %s has no revision %d", cmd.Source, rev), nil
	}
	p := plan.Make(plan.Input{Source: spec, Target: tgt.revisions[tgt.current], Env: cmd.Env, UseSource: cmd.UseSourceEnv,
		Secrets: secretRefs(cmd.Secrets), UseSourceSecrets: cmd.UseSourceSecrets})
	doc, err := json.Marshal(p)
	if err != nil {
		return events.PromotionPlanned{}, "", "", err
	}
	return events.PromotionPlanned{ID: cmd.ID, Source: cmd.Source, SourceRevision: rev, Target: cmd.Target,
		TargetRevision: tgt.current, TargetSeq: tgt.version, DryRun: cmd.DryRun, Message: cmd.Message,
		Missing: p.Missing, MissingSecrets: p.MissingSecrets, Plan: doc}, "", "", nil
}

// secretRefs are the target secrets given for references new in the source.
func secretRefs(given map[string]events.SecretKeyRef) map[string]events.SecretRef {
	out := make(map[string]events.SecretRef, len(given))
	for env, s := range given {
		out[env] = events.SecretRef{Env: env, Name: s.Name, Key: s.Key}
	}
	return out
}

// The rejection names what the command named (its envelope's subject, the
// target deployment), not the promotion: its operation and audit entry
// belong to that deployment and its project.
func (h *handler) reject(ctx context.Context, env events.Envelope, id string, p promotion, reason, why string, fe []events.FieldError) error {
	_, err := h.appendTo(ctx, p, id, env.Subject, env, events.CommandRejected{CommandType: env.Type, Reason: reason, Message: why, Fields: fe},
		".rejected", settledBy(env))
	return err
}

// appendTo appends msg, caused by cause, to the promotion's history unless
// done says the history (p, or a reload after a concurrent append) has it
// already: another delivery of the same command may have got there first.
// It returns the promotion with msg folded in. The envelope's subject is
// about: the promotion's id, or what a rejected command named.
func (h *handler) appendTo(ctx context.Context, p promotion, id, about string, cause events.Envelope, msg events.Message, suffix string,
	done func(promotion) bool) (promotion, error) {
	loop := bus.Loop[promotion]{
		Subject: events.PromotionSubject(id),
		Load: func(ctx context.Context) (promotion, uint64, error) {
			p, err := loadPromotion(ctx, h.bus, id)
			return p, p.lastSeq, err
		},
		Decide: func(p promotion) ([]bus.Decided, error) {
			if done(p) {
				return nil, nil
			}
			return []bus.Decided{{Message: msg, Meta: meta(ctx, cause, cause.ID+suffix, about)}}, nil
		},
		Apply: func(p *promotion, r bus.Record) { p.apply(r) },
	}
	p, _, err := loop.RunFrom(ctx, h.bus, p, p.lastSeq)
	if err != nil {
		return p, fmt.Errorf("promotion %s: %w", id, err)
	}
	return p, nil
}

// settledBy is done for a command whose application or rejection the
// history records.
func settledBy(cause events.Envelope) func(promotion) bool {
	return func(p promotion) bool { return p.applied[cause.ID] }
}

func meta(ctx context.Context, cause events.Envelope, id, subject string) events.Meta {
	m := events.CausedBy(cause, telemetry.TraceParent(ctx))
	m.ID, m.Source, m.Subject, m.Time = id, source, subject, time.Now().UTC()
	return m
}
