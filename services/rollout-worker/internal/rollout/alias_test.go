package rollout

import (
	"strings"
	"testing"

	"slipway.dev/pkg/events"
)

// aliased is a deployment with revisions 1 (running, served by production)
// and 2, with production moving to 2, followed by more history.
func aliased(more ...events.Message) State {
	msgs := []events.Message{created(), succeeded(1), events.RevisionCreated{Revision: rev(2, 0, 0)}, succeeded(2),
		events.AliasSet{Alias: "production", Revision: 1}, events.AliasMoved{Alias: "production", Revision: 1},
		events.AliasSet{Alias: "production", Revision: 2, Previous: 1}}
	return history(append(msgs, more...)...)
}

// TestDecideAliasProgress: a move to a revision whose pods do not become
// available fails with the reason (crash loop, image pull, progress
// deadline) and leaves the alias where it was; anything else decides
// nothing until the move is recorded.
func TestDecideAliasProgress(t *testing.T) {
	crash := events.HealthChanged{From: events.HealthHealthy, To: events.HealthDegraded, Reason: events.ReasonCrashLoopBackOff,
		Message: "CrashLoopBackOff on 2/6 pods (template revision 2)", Revision: 2}
	pull := crash
	pull.Reason = events.ReasonImagePullBackOff
	otherTemplate := crash
	otherTemplate.Revision = 1
	unready := crash
	unready.Reason = events.ReasonReplicasUnready
	progressing := Observation{Revision: 2, Replicas: events.Replicas{Desired: 4, Updated: 4}}
	stuck := progressing
	stuck.DeadlineExceeded = true
	staleStuck := stuck
	staleStuck.Stale = true
	tests := []struct {
		name   string
		state  State
		obs    Observation
		reason string // "" for no decision
	}{
		{"still starting", aliased(), progressing, ""},
		{"pods crash-loop", aliased(crash), progressing, events.ReasonCrashLoopBackOff},
		{"image cannot be pulled", aliased(pull), progressing, events.ReasonImagePullBackOff},
		{"progress deadline passed", aliased(), stuck, events.ReasonProgressDeadlineExceeded},
		{"stale status decides nothing", aliased(), staleStuck, ""},
		{"other template's pods crash", aliased(otherTemplate), progressing, ""},
		{"unready pods are not a failure yet", aliased(unready), progressing, ""},
		{"moved meanwhile", aliased(events.AliasMoved{Alias: "production", Revision: 2, Previous: 1}, crash), progressing, ""},
		{"set elsewhere meanwhile", aliased(events.AliasSet{Alias: "production", Revision: 1, Previous: 1}, crash), progressing, ""},
		{"pods already failing when the move starts", history(created(), succeeded(1), events.RevisionCreated{Revision: rev(2, 0, 0)},
			events.AliasSet{Alias: "production", Revision: 1}, events.AliasMoved{Alias: "production", Revision: 1},
			crash, events.AliasSet{Alias: "production", Revision: 2, Previous: 1}), progressing, events.ReasonCrashLoopBackOff},
		{"pods failed before, healthy since", history(created(), succeeded(1), events.RevisionCreated{Revision: rev(2, 0, 0)},
			events.AliasSet{Alias: "production", Revision: 1}, events.AliasMoved{Alias: "production", Revision: 1},
			crash, events.HealthChanged{From: events.HealthDegraded, To: events.HealthHealthy, Reason: events.ReasonAllReplicasReady, Revision: 1},
			events.AliasSet{Alias: "production", Revision: 2, Previous: 1}), progressing, ""},
		{"terminated", aliased(crash, events.DeploymentTerminated{Revision: 2}), progressing, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DecideAliasProgress(tt.state, "production", tt.obs)
			if tt.reason == "" {
				if len(got) != 0 {
					t.Fatalf("want nothing, got %+v", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("want AliasMoveFailed %s, got %+v", tt.reason, got)
			}
			f, ok := got[0].(events.AliasMoveFailed)
			if !ok || f.Reason != tt.reason || f.Alias != "production" || f.Revision != 2 || f.Previous != 1 ||
				!strings.Contains(f.Message, "stays on revision 1") {
				t.Fatalf("got %+v", got[0])
			}
			after := tt.state
			after.Apply(Event{Seq: after.LastSeq + 1, Message: f})
			if a := after.Aliases["production"]; a.Revision != 1 || a.Pending != 0 {
				t.Fatalf("after the failure the alias must stay on 1 with no move: %+v", a)
			}
			if PinnedTemplates(after)[2] {
				t.Fatal("the failed revision must not stay pinned")
			}
		})
	}
}

// TestSetAliasSupersedesAMoveInProgress: setting an alias that is moving
// names the move given up, so its operation ends; a move that ended names
// nothing.
func TestSetAliasSupersedesAMoveInProgress(t *testing.T) {
	tests := []struct {
		name          string
		state         State
		to            int
		wantRev       int
		wantOperation string
	}{
		{"move in progress", aliased(), 1, 2, "op-1"},
		{"move ended", aliased(events.AliasMoved{Alias: "production", Revision: 2, Previous: 1}), 1, 0, ""},
		{"move failed", aliased(events.AliasMoveFailed{Alias: "production", Revision: 2, Previous: 1, Reason: events.ReasonCrashLoopBackOff}), 2, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := DecideSetAlias(tt.state, events.SetAlias{Deployment: ref, Alias: "production", Revision: tt.to})
			if len(d.Events) != 1 {
				t.Fatalf("got %+v", d.Events)
			}
			set, ok := d.Events[0].(events.AliasSet)
			if !ok || set.SupersededRevision != tt.wantRev || set.SupersededOperation != tt.wantOperation {
				t.Fatalf("got %+v", d.Events[0])
			}
		})
	}
}
