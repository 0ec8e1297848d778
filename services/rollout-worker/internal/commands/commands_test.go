package commands

import (
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/history/historytest"
)

// TestDecide runs the handler against an in-memory history and compares the
// events it appended and their ids: one decision per command, named after
// the command, and none for a command already decided (a redelivery).
func TestDecide(t *testing.T) {
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	one := int32(1)
	create := command(t, "cmd-1", ref, events.CreateDeployment{Deployment: ref, Spec: events.Spec{Image: "img:1", Replicas: &one}})
	tests := []struct {
		name      string
		decided   []events.Envelope // decided before, in this order
		cmd       events.Envelope
		wantTypes []string
		wantIDs   []string
	}{
		{"a create is decided", nil, create,
			[]string{events.DeploymentCreated{}.Type()}, []string{"cmd-1.d1"}},
		{"a redelivered create is decided once", []events.Envelope{create}, create, nil, nil},
		{"a second create of the name is rejected", []events.Envelope{create},
			command(t, "cmd-2", ref, events.CreateDeployment{Deployment: ref, Spec: events.Spec{Image: "img:2", Replicas: &one}}),
			[]string{events.CommandRejected{}.Type()}, []string{"cmd-2.d1"}},
		{"a command this build cannot read is rejected on its deployment", nil,
			events.Envelope{ID: "cmd-3", Type: "slipway.command.unknown.v1", Subject: ref.String(), CorrelationID: "op-3"},
			[]string{events.CommandRejected{}.Type()}, []string{"cmd-3.d1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := historytest.New()
			handler := newTestHandler(t, h)
			for _, env := range tt.decided {
				if err := handler.decide(t.Context(), env); err != nil {
					t.Fatal(err)
				}
			}
			before := len(h.Events(ref))
			if err := handler.decide(t.Context(), tt.cmd); err != nil {
				t.Fatal(err)
			}
			var types, ids []string
			for _, e := range h.Events(ref)[before:] {
				types, ids = append(types, e.Message.Type()), append(ids, e.Envelope.ID)
			}
			if !slices.Equal(types, tt.wantTypes) || !slices.Equal(ids, tt.wantIDs) {
				t.Fatalf("appended %q named %q, want %q named %q", types, ids, tt.wantTypes, tt.wantIDs)
			}
		})
	}
}

func command(t *testing.T, id string, ref events.DeploymentRef, msg events.Message) events.Envelope {
	t.Helper()
	env, err := events.Wrap(msg, events.Meta{ID: id, Source: "/test", Subject: ref.String(), Time: time.Now().UTC(),
		Actor: "user:test", CorrelationID: "op-" + id})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func newTestHandler(t *testing.T, h History) *Handler {
	t.Helper()
	targets, err := kube.NewTargets(&kube.Target{TargetConfig: kube.TargetConfig{Name: "sim", Namespace: "default"}})
	if err != nil {
		t.Fatal(err)
	}
	return New(h, targets, slog.New(slog.NewJSONHandler(io.Discard, nil)))
}
