package faults

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"slipway.dev/pkg/events"
)

// sound is an Observed every invariant holds on: deployment a created and
// updated (both rolled out), alias prod moved to revision 2, deployment b
// created then terminated, every event delivered.
func sound() Observed {
	two, three := int32(2), int32(3)
	specA1 := events.Spec{Image: "img:1", Replicas: &two}
	specA2 := events.Spec{Image: "img:2", Replicas: &three}
	var evts []Event
	add := func(subject, id, causation string, m events.Message) {
		seq := uint64(len(evts) + 1)
		evts = append(evts, Event{Seq: seq, Message: m,
			Envelope: events.Envelope{ID: id, Type: m.Type(), Subject: subject, CausationID: causation}})
	}
	add("o/p/a", "a1", "op-create-a", events.DeploymentCreated{Revision: events.Revision{Number: 1, Spec: specA1}})
	add("o/p/a", "a2", "", events.RolloutStarted{Revision: 1})
	add("o/p/a", "a3", "", events.RolloutSucceeded{Revision: 1})
	add("o/p/b", "b1", "op-create-b", events.DeploymentCreated{Revision: events.Revision{Number: 1, Spec: specA1}})
	add("o/p/a", "a4", "op-update-a", events.RevisionCreated{Revision: events.Revision{Number: 2, Spec: specA2}})
	add("o/p/b", "b2", "", events.RolloutStarted{Revision: 1})
	add("o/p/a", "a5", "", events.RolloutStarted{Revision: 2})
	add("o/p/b", "b3", "", events.RolloutSucceeded{Revision: 1})
	add("o/p/a", "a6", "", events.RolloutSucceeded{Revision: 2})
	add("o/p/a", "a7", "op-alias-a", events.AliasSet{Alias: "prod", Revision: 2})
	add("o/p/a", "a8", "", events.AliasMoved{Alias: "prod", Revision: 2})
	add("o/p/b", "b4", "op-terminate-b", events.DeploymentTerminated{})
	add("o/p/b", "b5", "", events.TerminationCompleted{})
	add("o/p/a", "a9", "op-update-a-again", events.DeploymentUnchanged{})
	delivered := map[string]int{}
	for _, e := range evts {
		delivered[e.Envelope.ID] = 1
	}
	docs := func() Documents {
		return Documents{
			"deployments": {"o/p/a": {"_id": "o/p/a", "phase": "Ready", "revision": int32(2)}, "o/p/b": {"_id": "o/p/b", "phase": "Terminated"}},
			"revisions":   {"o/p/a/1": {"image": "img:1"}, "o/p/a/2": {"image": "img:2"}},
		}
	}
	return Observed{
		Accepted: []string{"op-create-a", "op-create-b", "op-update-a", "op-alias-a", "op-terminate-b", "op-update-a-again"},
		FirstSeq: 1, LastSeq: uint64(len(evts)), Events: evts,
		ReadModel: docs(), Rebuilt: docs(),
		Cluster:      map[string]Object{"o/p/a": {Exists: true, AppliedRevision: 2, Image: "img:2", Replicas: 3, AliasServices: []string{"prod"}}},
		WebhookAfter: 0, WebhookPattern: "slipway.deployment.*", Delivered: delivered,
		Unanswered: unansweredSound(),
	}
}

// unansweredSound are two commands the client gave up on, neither a
// violation: op-killed was stored by an attempt the api's kill cut short,
// and retried only while the api was down (its first attempt, a 503 while
// NATS failed over, came before it was stored); op-never was never stored,
// answered 503 while the store was up and nothing while the api was down.
func unansweredSound() []Unanswered {
	at := func(sec int, status int, down bool) Attempt {
		start := time.Date(2026, 12, 7, 11, 0, sec, 0, time.UTC)
		return Attempt{Start: start, End: start.Add(100 * time.Millisecond), Status: status, Down: down}
	}
	return []Unanswered{
		{Kind: OpUpdate, Path: "/v1/projects/o/p/deployments/a", Key: "faults-op-7", OperationID: "op-killed", Committed: true,
			CommittedAt: time.Date(2026, 12, 7, 11, 0, 2, 0, time.UTC),
			Attempts:    []Attempt{at(1, 503, false), at(2, 0, true), at(10, 0, true), at(21, 0, true)}},
		{Kind: OpAlias, Path: "/v1/projects/o/p/deployments/a/aliases/prod", Key: "faults-op-9", OperationID: "op-never",
			Attempts: []Attempt{at(30, 503, false), at(35, 0, true), at(50, 0, true)}},
	}
}

func TestTheSoundObservationHoldsEveryInvariant(t *testing.T) {
	if v := Check(sound()); len(v) != 0 {
		t.Fatalf("violations on a sound observation: %v", v)
	}
}

// TestEachInvariantCatchesItsBrokenVariant breaks each invariant on purpose
// and expects the checker to name it.
func TestEachInvariantCatchesItsBrokenVariant(t *testing.T) {
	without := func(o *Observed, id string) {
		for i, e := range o.Events {
			if e.Envelope.ID == id {
				o.Events = append(o.Events[:i:i], o.Events[i+1:]...)
				return
			}
		}
		panic("no event " + id)
	}
	for _, tc := range []struct {
		name, invariant, mentions string
		breakIt                   func(o *Observed)
	}{
		{"an accepted command with no outcome", InvOneOutcome, "op-lost", func(o *Observed) {
			o.Accepted = append(o.Accepted, "op-lost")
		}},
		{"an accepted command decided twice", InvOneOutcome, "op-update-a-again", func(o *Observed) {
			o.Events = append(o.Events, Event{Seq: o.LastSeq + 1, Message: events.DeploymentUnchanged{}, Envelope: events.Envelope{
				ID: "dup", Type: events.DeploymentUnchanged{}.Type(), Subject: "o/p/a", CausationID: "op-update-a-again"}})
			o.LastSeq++
			o.Delivered["dup"] = 1
		}},
		{"a hole in EVENTS", InvContiguous, "missing", func(o *Observed) { without(o, "b2") }},
		{"EVENTS read short of its last sequence", InvContiguous, "last sequence", func(o *Observed) { o.LastSeq += 2 }},
		{"a revision number skipped", InvContiguous, "revision 3 follows 1", func(o *Observed) {
			for i, e := range o.Events {
				if e.Envelope.ID == "a4" {
					m := e.Message.(events.RevisionCreated)
					m.Revision.Number = 3
					o.Events[i].Message = m
				}
			}
		}},
		{"a read-model field the replay does not reproduce", InvReplay, "[phase]", func(o *Observed) {
			o.ReadModel["deployments"]["o/p/a"] = map[string]any{"_id": "o/p/a", "phase": "Failed", "revision": int32(2)}
		}},
		{"a document the replay does not make", InvReplay, "not in the rebuild", func(o *Observed) {
			o.ReadModel["revisions"]["o/p/a/3"] = map[string]any{"image": "img:3"}
		}},
		{"the cluster on an older revision", InvCluster, "runs revision 1", func(o *Observed) {
			o.Cluster["o/p/a"] = Object{Exists: true, AppliedRevision: 1, Image: "img:1", Replicas: 2, AliasServices: []string{"prod"}}
		}},
		{"the cluster's image not the revision's", InvCluster, "image", func(o *Observed) {
			obj := o.Cluster["o/p/a"]
			obj.Image = "img:other"
			o.Cluster["o/p/a"] = obj
		}},
		{"an alias without its Service", InvCluster, "alias prod", func(o *Observed) {
			obj := o.Cluster["o/p/a"]
			obj.AliasServices = nil
			o.Cluster["o/p/a"] = obj
		}},
		{"a terminated deployment still on the cluster", InvCluster, "terminated", func(o *Observed) {
			o.Cluster["o/p/b"] = Object{Exists: true}
		}},
		{"an event never delivered", InvWebhooks, "a6", func(o *Observed) { delete(o.Delivered, "a6") }},
		{"a rollout left running", InvNoOrphanWork, "revision 2 never ended", func(o *Observed) { without(o, "a6") }},
		{"an alias move left pending", InvNoOrphanWork, "alias prod", func(o *Observed) { without(o, "a8") }},
		{"a termination never completed", InvNoOrphanWork, "never removed", func(o *Observed) { without(o, "b5") }},
		{"a stored command answered 5xx while the api was up", InvCommitted5xx, "faults-op-7", func(o *Observed) {
			o.Unanswered[0].Attempts[2].Down = false
		}},
		{"a stored command retried while up with no answer", InvCommitted5xx, "operation op-killed", func(o *Observed) {
			o.Unanswered[0].Attempts = append(o.Unanswered[0].Attempts, Attempt{Start: o.Unanswered[0].CommittedAt.Add(25 * time.Second)})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := sound()
			tc.breakIt(&o)
			var caught []string
			for _, v := range Check(o) {
				if v.Invariant == tc.invariant && strings.Contains(v.Detail, tc.mentions) {
					return
				}
				caught = append(caught, v.String())
			}
			t.Fatalf("%s not reported as %s mentioning %q; violations: %s", tc.name, tc.invariant, tc.mentions, fmt.Sprint(caught))
		})
	}
}
