package targets

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/events"
	"slipway.dev/services/rollout-worker/internal/registry"
)

// TestRegistryDecide runs the registry against an in-memory target history
// and buckets, and compares what it did: the events appended (named after
// the command) and the bucket writes. A redelivered command appends nothing
// and only writes the bucket again; a configured target's key is never
// touched.
func TestRegistryDecide(t *testing.T) {
	spec := events.TargetSpec{Name: "us-east", Namespace: "models", BaseURL: "https://us.example",
		InstanceTypes: map[string]events.InstanceType{"small": {CPU: "1", Memory: "1Gi"}},
		Connection:    events.TargetConnection{KubeconfigFile: "/etc/kc"}}
	register := targetCommand(t, "cmd-1", "us-east", events.RegisterTarget{Target: spec})
	remove := targetCommand(t, "cmd-2", "us-east", events.RemoveTarget{Name: "us-east"})
	configured := spec
	configured.Name = "home"
	tests := []struct {
		name        string
		decided     []events.Envelope
		cmd         events.Envelope
		wantEvents  []string
		wantCatalog []string
		wantStatus  []string
	}{
		{"a registration is recorded and published", nil, register,
			[]string{"cmd-1.d1 " + events.TargetRegistered{}.Type()}, []string{"put us-east"}, nil},
		{"a redelivered registration only publishes again", []events.Envelope{register}, register,
			nil, []string{"put us-east"}, nil},
		{"a removal is recorded and unpublished", []events.Envelope{register}, remove,
			[]string{"cmd-2.d1 " + events.TargetRemoved{}.Type()}, []string{"get us-east", "delete us-east"}, []string{"delete us-east"}},
		{"a configured target is refused and left alone", nil,
			targetCommand(t, "cmd-3", "home", events.RegisterTarget{Target: configured}),
			[]string{"cmd-3.d1 " + events.CommandRejected{}.Type()}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &memoryTargets{}
			catalog, status := &memoryBucket{kv: map[string][]byte{}}, &memoryBucket{kv: map[string][]byte{}}
			r := NewRegistry(h, catalog, status, func(name string) bool { return name == "home" },
				slog.New(slog.NewJSONHandler(io.Discard, nil)))
			for _, env := range tt.decided {
				if err := r.decide(t.Context(), env); err != nil {
					t.Fatal(err)
				}
			}
			before := len(h.evs)
			catalog.calls, status.calls = nil, nil
			if err := r.decide(t.Context(), tt.cmd); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range h.evs[before:] {
				got = append(got, e.Envelope.ID+" "+e.Message.Type())
			}
			if !slices.Equal(got, tt.wantEvents) {
				t.Errorf("appended %q, want %q", got, tt.wantEvents)
			}
			if !slices.Equal(catalog.calls, tt.wantCatalog) || !slices.Equal(status.calls, tt.wantStatus) {
				t.Errorf("catalog %q, status %q; want %q and %q", catalog.calls, status.calls, tt.wantCatalog, tt.wantStatus)
			}
		})
	}
}

func targetCommand(t *testing.T, id, target string, msg events.Message) events.Envelope {
	t.Helper()
	env, err := events.Wrap(msg, events.Meta{ID: id, Source: "/test", Subject: events.TargetEnvelopeSubject(target),
		Time: time.Now().UTC(), Actor: "user:test", CorrelationID: "op-" + id})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// memoryTargets is the registry's History in memory, for one target at a
// time (the tests use one name per case).
type memoryTargets struct{ evs []registry.Event }

func (h *memoryTargets) Append(_ context.Context, name string, meta events.Meta, decide func(registry.State) []events.Message,
	id func(events.Message) string) (registry.State, []events.Message, error) {
	st := registry.Fold(h.evs)
	msgs := decide(st)
	for _, m := range msgs {
		meta := meta
		meta.ID, meta.Source, meta.Subject, meta.Time = id(m), "/test", events.TargetEnvelopeSubject(name), time.Now().UTC()
		env, err := events.Wrap(m, meta)
		if err != nil {
			return st, nil, err
		}
		e := registry.Event{Seq: uint64(len(h.evs) + 1), Envelope: env, Message: m}
		h.evs = append(h.evs, e)
		st.Apply(e)
	}
	return st, msgs, nil
}

// memoryBucket is a Bucket in memory that records its calls.
type memoryBucket struct {
	kv    map[string][]byte
	calls []string
}

func (b *memoryBucket) Get(_ context.Context, key string) (jetstream.KeyValueEntry, error) {
	b.calls = append(b.calls, "get "+key)
	v, ok := b.kv[key]
	if !ok {
		return nil, jetstream.ErrKeyNotFound
	}
	return entry{key: key, value: v}, nil
}

func (b *memoryBucket) Put(_ context.Context, key string, value []byte) (uint64, error) {
	b.calls = append(b.calls, "put "+key)
	var rec events.TargetRecord
	if err := json.Unmarshal(value, &rec); err != nil {
		return 0, err
	}
	b.kv[key] = value
	return uint64(len(b.kv)), nil
}

func (b *memoryBucket) Delete(_ context.Context, key string, _ ...jetstream.KVDeleteOpt) error {
	b.calls = append(b.calls, "delete "+key)
	delete(b.kv, key)
	return nil
}

type entry struct {
	key   string
	value []byte
}

func (e entry) Bucket() string                  { return "test" }
func (e entry) Key() string                     { return e.key }
func (e entry) Value() []byte                   { return e.value }
func (e entry) Revision() uint64                { return 1 }
func (e entry) Created() time.Time              { return time.Time{} }
func (e entry) Delta() uint64                   { return 0 }
func (e entry) Operation() jetstream.KeyValueOp { return jetstream.KeyValuePut }
