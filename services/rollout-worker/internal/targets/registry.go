// Package targets serves the targets themselves: the Registry decides
// target commands (register, remove) against each target's history and
// keeps the catalogue bucket in line with it; Reachability probes every
// target and publishes its status. Each reaches the bus through interfaces
// it declares.
package targets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/metrics"
	"slipway.dev/pkg/telemetry"
	"slipway.dev/services/rollout-worker/internal/registry"
)

// Registry decides target commands (register, remove) against each
// target's history on slipway.evt.target.<name>, then makes the catalogue
// bucket say what the history says. It acks a command only after both, so a
// redelivered command finds its decision and only repeats the bucket write.
type Registry struct {
	history History
	catalog Bucket
	status  Bucket
	// configured reports whether a name belongs to a configured target.
	configured func(string) bool
	log        *slog.Logger
}

// History is the registry's view of targets' event histories.
type History interface {
	// Append loads the target's history and appends what decide returns
	// against it; when the history moved meanwhile it reloads and decides
	// again. It returns the state after and the events it appended. id names
	// each event (a retry with the same id is stored once).
	Append(ctx context.Context, name string, meta events.Meta, decide func(registry.State) []events.Message,
		id func(events.Message) string) (registry.State, []events.Message, error)
}

// Bucket is a key-value bucket the registry keeps in line with the
// histories: the targets catalogue, and the targets' status.
type Bucket interface {
	Get(ctx context.Context, key string) (jetstream.KeyValueEntry, error)
	Put(ctx context.Context, key string, value []byte) (uint64, error)
	Delete(ctx context.Context, key string, opts ...jetstream.KVDeleteOpt) error
}

// NewRegistry decides against h and publishes to catalog and status;
// configured says which names belong to configured targets, never touched.
func NewRegistry(h History, catalog, status Bucket, configured func(string) bool, log *slog.Logger) *Registry {
	return &Registry{history: h, catalog: catalog, status: status, configured: configured, log: log}
}

// Handle decides the target command in msg and settles msg: acked once the
// decision is stored and published, redelivered after a second otherwise.
func (r *Registry) Handle(ctx context.Context, msg jetstream.Msg) {
	env, err := events.Unmarshal(msg.Data())
	if err != nil {
		r.log.ErrorContext(ctx, "dropping malformed target command", "subject", msg.Subject(), "err", err)
		_ = msg.TermWithReason("malformed envelope")
		return
	}
	ctx = telemetry.Extract(ctx, msg.Headers())
	ctx, span := telemetry.Tracer("slipway/rollout-worker").Start(ctx, "decide "+env.Type)
	defer span.End()
	if err := r.decide(ctx, env); err != nil {
		metrics.CommandsDecided.WithLabelValues(env.Type, "error").Inc()
		r.log.ErrorContext(ctx, "target command not decided; will retry", "operation", env.CorrelationID, "err", err)
		_ = msg.NakWithDelay(time.Second)
		return
	}
	_ = msg.DoubleAck(ctx)
}

func (r *Registry) decide(ctx context.Context, env events.Envelope) error {
	name, ok := events.TargetOfEnvelopeSubject(env.Subject)
	if !ok {
		r.log.ErrorContext(ctx, "dropping target command without a target", "type", env.Type)
		return nil
	}
	var decide func(registry.State) events.Message
	msg, err := env.Decode()
	switch cmd := msg.(type) {
	case events.RegisterTarget:
		decide = func(s registry.State) events.Message { return registry.DecideRegister(s, cmd, r.configured(name)) }
	case events.RemoveTarget:
		decide = func(s registry.State) events.Message { return registry.DecideRemove(s, cmd, r.configured(name)) }
	default:
		reason := fmt.Errorf("the target registry does not handle %s", env.Type)
		if err != nil {
			reason = err
		}
		decide = func(registry.State) events.Message {
			return events.CommandRejected{CommandType: env.Type, Reason: events.ReasonInvalidSpec, Message: reason.Error()}
		}
	}
	st, err := r.appendDecided(ctx, name, env, decide)
	if err != nil {
		return err
	}
	return r.publish(ctx, name, st)
}

// appendDecided appends the decision unless the command was decided
// already; on a concurrent append it decides again (see History).
func (r *Registry) appendDecided(ctx context.Context, name string, cmd events.Envelope,
	decide func(registry.State) events.Message) (registry.State, error) {
	meta := events.CausedBy(cmd, telemetry.TraceParent(ctx))
	st, appended, err := r.history.Append(ctx, name, meta, func(st registry.State) []events.Message {
		if st.Handled(cmd.ID) {
			return nil
		}
		return []events.Message{decide(st)}
	}, func(events.Message) string { return cmd.ID + ".d1" })
	for _, m := range appended {
		outcome := "decided"
		if rej, ok := m.(events.CommandRejected); ok {
			outcome = "rejected"
			r.log.InfoContext(ctx, "target command rejected", "target", name, "reason", rej.Reason, "message", rej.Message)
		} else {
			r.log.InfoContext(ctx, "target "+decisionVerb(m), "target", name)
		}
		metrics.CommandsDecided.WithLabelValues(cmd.Type, outcome).Inc()
	}
	return st, err
}

func decisionVerb(m events.Message) string {
	switch m.(type) {
	case events.TargetRegistered:
		return "registered"
	case events.TargetRemoved:
		return "removed"
	}
	return "updated"
}

// publish makes the catalogue say what the history says: the registration,
// or no key (and no status) once removed. A configured target's key is
// never touched.
func (r *Registry) publish(ctx context.Context, name string, st registry.State) error {
	if r.configured(name) {
		return nil
	}
	if !st.Exists {
		entry, err := r.catalog.Get(ctx, name)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read target %s: %w", name, err)
		}
		var rec events.TargetRecord
		if json.Unmarshal(entry.Value(), &rec) == nil && !rec.FromAPI() {
			return nil // a worker's configuration took the name meanwhile
		}
		if err := r.catalog.Delete(ctx, name); err != nil {
			return fmt.Errorf("remove target %s: %w", name, err)
		}
		if err := r.status.Delete(ctx, name); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			return fmt.Errorf("remove target status %s: %w", name, err)
		}
		return nil
	}
	s := st.Spec
	conn := s.Connection
	types := make(map[string]kube.InstanceType, len(s.InstanceTypes))
	for k, v := range s.InstanceTypes {
		types[k] = kube.InstanceType(v)
	}
	t := kube.Target{TargetConfig: kube.TargetConfig{Name: s.Name, Region: s.Region, Namespace: s.Namespace, BaseURL: s.BaseURL,
		InstanceTypes: types, Routing: s.Routing, PrometheusURL: s.PrometheusURL}, Registered: true, Connection: conn}
	b, err := json.Marshal(t.Record(false))
	if err != nil {
		return err
	}
	if _, err := r.catalog.Put(ctx, name, b); err != nil {
		return fmt.Errorf("publish target %s: %w", name, err)
	}
	return nil
}
