package rollout

import (
	"encoding/json"
	"testing"

	"slipway.dev/pkg/events"
)

// A client conditions an update or a promotion's plan on the version it
// read; what happens to the deployment without the client (progress, health,
// routing, reported drift) must not make it stale, a change of what the
// client controls must.
func TestVersionConditionsOnWhatTheClientControls(t *testing.T) {
	newSpec := created().Revision.Spec
	newSpec.Image = "img:2"
	adopted := created().Revision.Spec
	adopted.Replicas = i32(6)
	tests := []struct {
		name  string
		since []events.Message
		stale bool
	}{
		{"nothing", nil, false},
		{"rollout progress and health", []events.Message{events.RolloutStarted{Revision: 1},
			events.RolloutProgressed{Revision: 1}, events.RolloutSucceeded{Revision: 1},
			events.HealthChanged{From: events.HealthProgressing, To: events.HealthHealthy}}, false},
		{"routing and reported drift", []events.Message{events.RoutingChanged{Kind: "ingress"},
			events.DriftDetected{Revision: 1, Action: events.DriftReverted}}, false},
		{"an unchanged update", []events.Message{events.DeploymentUnchanged{Revision: 1}}, false},
		{"a spec change", []events.Message{events.RevisionCreated{Revision: events.Revision{Number: 2, Spec: newSpec}}}, true},
		{"an adopted drift", []events.Message{events.DriftDetected{Revision: 1, Action: events.DriftAdopted,
			Adopted: &events.Revision{Number: 2, Spec: adopted, Cause: events.CauseAdopted}}}, true},
		{"an alias set", []events.Message{events.AliasSet{Alias: "canary", Revision: 1}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			read := history(created())
			s := history(append([]events.Message{created()}, tt.since...)...)
			update := events.UpdateDeployment{Deployment: ref, SpecPatch: json.RawMessage(`{"replicas":3}`), ExpectedSeq: read.Version}
			promote := events.PromoteDeployment{Deployment: ref, Spec: newSpec, ExpectedSeq: read.Version}
			promote.Spec.Image = "img:3"
			for name, d := range map[string]Decision{"update": DecideUpdate(s, update, catalog), "promote": DecidePromote(s, promote, catalog)} {
				r, rejected := d.Rejected()
				switch {
				case tt.stale && (!rejected || r.Reason != events.ReasonPreconditionFailed):
					t.Errorf("%s after %s: want %s, got %+v", name, tt.name, events.ReasonPreconditionFailed, d.Events)
				case !tt.stale && rejected:
					t.Errorf("%s after %s: want accepted, got %+v", name, tt.name, r)
				}
			}
		})
	}
}
