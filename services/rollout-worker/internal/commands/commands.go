// Package commands is the command handler: it decides deployment commands
// (create, update, rollback, terminate, promote, aliases, rollout control)
// against each deployment's history (pure decisions in internal/rollout)
// and appends the decision, through the History it declares.
package commands

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/metrics"
	"slipway.dev/pkg/telemetry"
	"slipway.dev/services/rollout-worker/internal/rollout"
)

// Handler decides deployment commands. It handles one command at a time,
// in stream order, and acknowledges a command only after its decision is
// durably appended (or was already, for a redelivery).
type Handler struct {
	history History
	// targets change as targets are registered and removed; each decision
	// sees them as they are when it is made.
	targets *kube.Targets
	log     *slog.Logger
}

// History is the command handler's view of deployments' event histories.
type History interface {
	// Load folds a deployment's history.
	Load(ctx context.Context, ref events.DeploymentRef) (rollout.State, error)
	// Append appends what decide returns against st and folds each appended
	// event into st; when the history moved meanwhile it reloads st and
	// decides again. id names each event (a retry with the same id is
	// stored once).
	Append(ctx context.Context, st *rollout.State, ref events.DeploymentRef, meta events.Meta,
		decide func(rollout.State) []events.Message, id func(events.Message) string) error
}

// New returns a handler deciding against h with the targets in ts.
func New(h History, ts *kube.Targets, log *slog.Logger) *Handler {
	return &Handler{history: h, targets: ts, log: log}
}

func newCatalog(ts *kube.Targets) rollout.Catalog {
	cat := rollout.Catalog{Default: ts.Default, Targets: map[string]rollout.TargetEntry{}}
	for _, t := range ts.All() {
		types := map[string]bool{}
		for name := range t.InstanceTypes {
			types[name] = true
		}
		cat.Targets[t.Name] = rollout.TargetEntry{Info: t.Info(), InstanceTypes: types}
	}
	return cat
}

// Handle decides the command in msg and settles msg: acked once the
// decision is stored, nak'ed (redelivered after a second) when it could not
// be, terminated when msg is no command at all.
func (h *Handler) Handle(ctx context.Context, msg jetstream.Msg) {
	env, err := events.Unmarshal(msg.Data())
	if err != nil {
		h.log.ErrorContext(ctx, "dropping malformed command", "subject", msg.Subject(), "err", err)
		_ = msg.TermWithReason("malformed envelope")
		return
	}
	ctx = telemetry.Extract(ctx, msg.Headers())
	ctx, span := telemetry.Tracer("slipway/rollout-worker").Start(ctx, "decide "+env.Type)
	defer span.End()
	span.SetAttributes(attribute.String("slipway.operation", env.CorrelationID), attribute.String("slipway.subject", env.Subject))
	if err := h.decide(ctx, env); err != nil {
		metrics.CommandsDecided.WithLabelValues(env.Type, "error").Inc()
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		h.log.ErrorContext(ctx, "command not decided; will retry", "operation", env.CorrelationID, "err", err)
		_ = msg.NakWithDelay(time.Second)
		return
	}
	if err := msg.DoubleAck(ctx); err != nil {
		h.log.WarnContext(ctx, "ack command", "operation", env.CorrelationID, "err", err)
	}
}

func (h *Handler) decide(ctx context.Context, env events.Envelope) error {
	msg, err := env.Decode()
	if err != nil {
		return h.rejectUndecodable(ctx, env, err)
	}
	catalog := newCatalog(h.targets)
	switch cmd := msg.(type) {
	case events.CreateDeployment:
		return h.apply(ctx, env, cmd.Deployment, func(s rollout.State) []events.Message {
			return rollout.DecideCreate(s, cmd, catalog).Events
		})
	case events.UpdateDeployment:
		return h.apply(ctx, env, cmd.Deployment, func(s rollout.State) []events.Message {
			return rollout.DecideUpdate(s, cmd, catalog).Events
		})
	case events.RollbackDeployment:
		return h.apply(ctx, env, cmd.Deployment, func(s rollout.State) []events.Message {
			return rollout.DecideRollback(s, cmd).Events
		})
	case events.TerminateDeployment:
		return h.apply(ctx, env, cmd.Deployment, func(s rollout.State) []events.Message {
			return rollout.DecideTerminate(s, cmd).Events
		})
	case events.PromoteDeployment:
		return h.apply(ctx, env, cmd.Deployment, func(s rollout.State) []events.Message {
			return rollout.DecidePromote(s, cmd, catalog).Events
		})
	case events.SetAlias:
		return h.apply(ctx, env, cmd.Deployment, func(s rollout.State) []events.Message { return rollout.DecideSetAlias(s, cmd).Events })
	case events.DeleteAlias:
		return h.apply(ctx, env, cmd.Deployment, func(s rollout.State) []events.Message { return rollout.DecideDeleteAlias(s, cmd).Events })
	case events.PauseRollout:
		return h.apply(ctx, env, cmd.Deployment, func(s rollout.State) []events.Message { return rollout.DecidePause(s, cmd).Events })
	case events.ResumeRollout:
		return h.apply(ctx, env, cmd.Deployment, func(s rollout.State) []events.Message { return rollout.DecideResume(s, cmd).Events })
	case events.AbortRollout:
		return h.apply(ctx, env, cmd.Deployment, func(s rollout.State) []events.Message { return rollout.DecideAbort(s, cmd).Events })
	case events.PromoteRollout:
		return h.apply(ctx, env, cmd.Deployment, func(s rollout.State) []events.Message { return rollout.DecidePromoteRollout(s, cmd).Events })
	default:
		return h.rejectUndecodable(ctx, env, fmt.Errorf("the rollout worker does not handle %s", env.Type))
	}
}

// apply decides and appends unless the command was already decided.
func (h *Handler) apply(ctx context.Context, env events.Envelope, ref events.DeploymentRef, decide func(rollout.State) []events.Message) error {
	st, err := h.history.Load(ctx, ref)
	if err != nil {
		return err
	}
	meta := events.CausedBy(env, telemetry.TraceParent(ctx))
	n := 0
	return h.history.Append(ctx, &st, ref, meta, func(s rollout.State) []events.Message {
		n = 0
		if s.Handled(env.ID) {
			return nil
		}
		out := decide(s)
		for _, m := range out {
			outcome := "decided"
			if r, ok := m.(events.CommandRejected); ok {
				outcome = "rejected"
				h.log.InfoContext(ctx, "command rejected", "operation", env.CorrelationID, "reason", r.Reason, "message", r.Message)
			}
			metrics.CommandsDecided.WithLabelValues(env.Type, outcome).Inc()
		}
		return out
	}, func(events.Message) string { n++; return env.ID + ".d" + strconv.Itoa(n) })
}

// rejectUndecodable settles a command this build cannot decide, so its
// operation does not wait forever. It is recorded on the deployment's history
// when the subject names one.
func (h *Handler) rejectUndecodable(ctx context.Context, env events.Envelope, cause error) error {
	ref, ok := refFromSubject(env.Subject)
	if !ok {
		h.log.ErrorContext(ctx, "dropping command without a deployment", "type", env.Type, "err", cause)
		return nil
	}
	return h.apply(ctx, env, ref, func(rollout.State) []events.Message {
		return []events.Message{events.CommandRejected{CommandType: env.Type, Reason: events.ReasonInvalidSpec, Message: cause.Error()}}
	})
}
