package registry

import (
	"reflect"
	"testing"

	"slipway.dev/pkg/events"
)

func spec() events.TargetSpec {
	return events.TargetSpec{Name: "us-east", Namespace: "models", BaseURL: "https://us.example",
		InstanceTypes: map[string]events.InstanceType{"small": {CPU: "1", Memory: "1Gi"}},
		Connection:    events.TargetConnection{KubeconfigFile: "/etc/kc"}}
}

func registered(s events.TargetSpec) State {
	return Fold([]Event{{Seq: 3, Envelope: events.Envelope{CausationID: "op-1"}, Message: events.TargetRegistered{Target: s}}})
}

func TestDecideRegister(t *testing.T) {
	moved := spec()
	moved.BaseURL, moved.Connection = "https://us2.example", events.TargetConnection{InCluster: true}
	routed := spec()
	routed.Routing = &events.Routing{Ingress: &events.IngressRouting{ClassName: "nginx"}}
	badRouting := spec()
	badRouting.Routing = &events.Routing{Kind: events.RoutingGateway}
	bad := spec()
	bad.Namespace = ""
	measured := spec()
	measured.PrometheusURL = "http://prometheus.us-east:9090"
	tests := []struct {
		name       string
		state      State
		cmd        events.TargetSpec
		configured bool
		want       events.Message
	}{
		{"new", State{}, spec(), false, events.TargetRegistered{Target: spec()}},
		{"same again", registered(spec()), spec(), false, events.TargetUpdated{Target: spec()}},
		{"replaced", registered(spec()), moved, false, events.TargetUpdated{Target: moved, Changed: []string{"baseURL", "connection"}}},
		{"routed", registered(spec()), routed, false, events.TargetUpdated{Target: routed, Changed: []string{"routing"}}},
		{"its own prometheus", registered(spec()), measured, false, events.TargetUpdated{Target: measured, Changed: []string{"prometheusURL"}}},
		{"configured", State{}, spec(), true, events.CommandRejected{CommandType: events.RegisterTarget{}.Type(),
			Reason: events.ReasonTargetFromConfig, Message: "target us-east is defined by the workers' configuration; change it there"}},
		{"invalid", State{}, bad, false, events.CommandRejected{CommandType: events.RegisterTarget{}.Type(),
			Reason: events.ReasonInvalidSpec, Message: "the target registration is invalid",
			Fields: events.FieldErrors{{Field: "namespace", Message: "is required"}}}},
		{"invalid routing", State{}, badRouting, false, events.CommandRejected{CommandType: events.RegisterTarget{}.Type(),
			Reason: events.ReasonInvalidSpec, Message: "the target registration is invalid",
			Fields: events.FieldErrors{{Field: "routing.gateway.name", Message: "is required with kind gateway: the parent Gateway of the routes"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DecideRegister(tt.state, events.RegisterTarget{Target: tt.cmd}, tt.configured)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestDecideRemove(t *testing.T) {
	removed := registered(spec())
	removed.Apply(Event{Seq: 4, Envelope: events.Envelope{CausationID: "op-2"}, Message: events.TargetRemoved{Name: "us-east"}})
	tests := []struct {
		name       string
		state      State
		configured bool
		wantReason string // "" : removed
	}{
		{"registered", registered(spec()), false, ""},
		{"never registered", State{}, false, events.ReasonNotFound},
		{"already removed", removed, false, events.ReasonNotFound},
		{"configured", State{}, true, events.ReasonTargetFromConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DecideRemove(tt.state, events.RemoveTarget{Name: "us-east"}, tt.configured)
			if r, ok := got.(events.CommandRejected); ok {
				if r.Reason != tt.wantReason {
					t.Fatalf("rejected %s, want %q", r.Reason, tt.wantReason)
				}
				return
			}
			if tt.wantReason != "" || !reflect.DeepEqual(got, events.TargetRemoved{Name: "us-east"}) {
				t.Fatalf("got %#v, want a rejection %q", got, tt.wantReason)
			}
		})
	}
}

func TestFoldRemembersDecidedCommands(t *testing.T) {
	s := registered(spec())
	if !s.Exists || s.LastSeq != 3 || !s.Handled("op-1") || s.Handled("op-2") {
		t.Fatalf("state: %+v", s)
	}
	s.Apply(Event{Seq: 9, Envelope: events.Envelope{CausationID: "op-2"}, Message: events.TargetRemoved{Name: "us-east"}})
	if s.Exists || s.LastSeq != 9 || !s.Handled("op-2") {
		t.Fatalf("after removal: %+v", s)
	}
}
