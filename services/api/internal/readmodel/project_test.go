package readmodel

import (
	"testing"
	"time"

	"slipway.dev/pkg/events"
)

var t0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

func env(i int, corr string) events.Envelope {
	return events.Envelope{Time: t0.Add(time.Duration(i) * time.Second), CorrelationID: corr, Subject: "acme/fraud/scorer", Actor: "user:ada"}
}

func createdEvent() events.DeploymentCreated {
	n := int32(4)
	return events.DeploymentCreated{
		Deployment:  events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"},
		Target:      events.TargetInfo{Name: "eu", Namespace: "models", BaseURL: "https://eu.example/", ObjectName: "scorer-1"},
		Environment: "production", Labels: map[string]string{"team": "risk", "app.kubernetes.io/part-of": "fraud"},
		Revision: events.Revision{Number: 1, Cause: events.CauseCreated, Spec: events.Spec{Image: "img:1", Replicas: &n}.WithDefaults()},
	}
}

func TestProjectDeploymentLifecycle(t *testing.T) {
	full := events.Replicas{Desired: 4, Updated: 4, Ready: 4, Available: 4}
	steps := []struct {
		msg   events.Message
		check func(t *testing.T, d Deployment)
	}{
		{createdEvent(), func(t *testing.T, d Deployment) {
			if d.ID != "acme/fraud/scorer" || d.Phase != events.DeploymentPhasePending || d.Revision != 1 || d.Health != events.HealthUnknown ||
				d.Endpoints[0].URL != "https://eu.example/acme/fraud/scorer/predict" ||
				d.Endpoints[0].ClusterURL != "http://scorer-1.models.svc.cluster.local/predict" || len(d.Labels) != 2 {
				t.Fatalf("created: %+v", d)
			}
		}},
		{events.RolloutStarted{Revision: 1, Desired: 4}, func(t *testing.T, d Deployment) {
			if d.Phase != events.DeploymentPhaseProgressing || d.Rollout.StartedAt == nil || d.Rollout.OperationID != "op-1" {
				t.Fatalf("started: %+v %+v", d, d.Rollout)
			}
		}},
		{events.RolloutProgressed{Revision: 1, Replicas: events.Replicas{Desired: 4, Updated: 2}}, func(t *testing.T, d Deployment) {
			if d.Replicas.Updated != 2 || d.Rollout.Replicas.Updated != 2 {
				t.Fatalf("progressed: %+v", d.Replicas)
			}
		}},
		{events.RolloutSucceeded{Revision: 1, Replicas: full}, func(t *testing.T, d Deployment) {
			if d.Phase != events.DeploymentPhaseRunning || d.RunningRevision != 1 || d.Rollout.Phase != "Succeeded" || d.Rollout.Replicas != full || d.Rollout.FinishedAt == nil {
				t.Fatalf("succeeded: %+v %+v", d, d.Rollout)
			}
		}},
		{events.HealthChanged{From: events.HealthUnknown, To: events.HealthHealthy, Reason: events.ReasonAllReplicasReady}, func(t *testing.T, d Deployment) {
			if d.Health != events.HealthHealthy || d.HealthReason != events.ReasonAllReplicasReady {
				t.Fatalf("health: %+v", d)
			}
		}},
	}
	var d Deployment
	for i, s := range steps {
		if !ProjectDeployment(&d, uint64(i+1), env(i, "op-1"), s.msg) {
			t.Fatalf("step %d (%s) changed nothing", i, s.msg.Type())
		}
		if d.Seq != uint64(i+1) || !d.UpdatedAt.Equal(t0.Add(time.Duration(i)*time.Second)) {
			t.Fatalf("step %d: seq %d updatedAt %s", i, d.Seq, d.UpdatedAt)
		}
		s.check(t, d)
	}
	before := d
	// Stale and repeated events change nothing.
	if ProjectDeployment(&d, 3, env(9, "op-1"), events.RolloutFailed{Revision: 1, Reason: "x"}) ||
		ProjectDeployment(&d, 5, env(9, "op-1"), events.HealthChanged{To: events.HealthDegraded}) {
		t.Fatal("an event at or below the document's sequence was applied")
	}
	if d.Phase != before.Phase || d.Health != before.Health || d.Seq != before.Seq {
		t.Fatalf("document changed: %+v", d)
	}
}

func TestProjectOperation(t *testing.T) {
	tests := []struct {
		name   string
		msgs   []events.Message
		status string
		reason string
	}{
		{"running", []events.Message{createdEvent(), events.RolloutStarted{Revision: 1}}, OpRunning, ""},
		{"succeeded", []events.Message{createdEvent(), events.RolloutStarted{Revision: 1}, events.RolloutSucceeded{Revision: 1}}, OpSucceeded, events.ReasonRolloutComplete},
		{"failed", []events.Message{createdEvent(), events.RolloutStarted{Revision: 1}, events.RolloutFailed{Revision: 1, Reason: events.ReasonProgressDeadlineExceeded}}, OpFailed, events.ReasonProgressDeadlineExceeded},
		{"rejected", []events.Message{events.CommandRejected{CommandType: events.CreateDeployment{}.Type(), Reason: events.ReasonAlreadyExists}}, OpRejected, events.ReasonAlreadyExists},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o Operation
			for i, m := range tt.msgs {
				ProjectOperation(&o, uint64(i+1), env(i, "op-7"), m)
			}
			if o.ID != "op-7" || o.Status != tt.status || o.Reason != tt.reason || o.Kind != "create_deployment" || o.Actor != "user:ada" {
				t.Fatalf("operation: %+v", o)
			}
			if o.Ended() != (o.FinishedAt != nil) {
				t.Fatalf("finishedAt must be set exactly when the operation ends: %+v", o)
			}
		})
	}
	var o Operation
	if ProjectOperation(&o, 1, env(0, ""), createdEvent()) {
		t.Fatal("an event without a correlation id belongs to no operation")
	}
}

// TestProjectFailedAliasMove: a move given up ends its operation failed with
// the reason; the alias stays where it was, shows the failure, and the next
// move that succeeds clears it.
func TestProjectFailedAliasMove(t *testing.T) {
	var d Deployment
	var o Operation
	msgs := []events.Message{createdEvent(), events.AliasSet{Alias: "canary", Revision: 1}, events.AliasMoved{Alias: "canary", Revision: 1},
		events.AliasSet{Alias: "canary", Revision: 2, Previous: 1},
		events.AliasMoveFailed{Alias: "canary", Revision: 2, Previous: 1, Reason: events.ReasonCrashLoopBackOff, Message: "crash"}}
	for i, m := range msgs {
		ProjectDeployment(&d, uint64(i+1), env(i, "op-9"), m)
		if i >= 3 {
			ProjectOperation(&o, uint64(i+1), env(i, "op-9"), m)
		}
	}
	if o.Kind != "set_alias" || o.Status != OpFailed || o.Reason != events.ReasonCrashLoopBackOff || o.FinishedAt == nil {
		t.Fatalf("operation: %+v", o)
	}
	a := d.Aliases[0]
	if a.Revision != 1 || a.Pending != 0 || a.LastFailure == nil || a.LastFailure.Revision != 2 || a.LastFailure.Reason != events.ReasonCrashLoopBackOff {
		t.Fatalf("alias: %+v", a)
	}
	ProjectDeployment(&d, 6, env(6, "op-10"), events.AliasSet{Alias: "canary", Revision: 1})
	ProjectDeployment(&d, 7, env(7, "op-10"), events.AliasMoved{Alias: "canary", Revision: 1, Previous: 1})
	if d.Aliases[0].LastFailure != nil {
		t.Fatalf("a successful move clears the failure: %+v", d.Aliases[0])
	}
}

// TestEndedAliasMoves: a move in progress ends (its operation Superseded)
// when the alias is set again — also when the AliasSet predates naming the
// move it supersedes —, deleted, or the deployment terminated; a finished
// move and other aliases are left alone.
func TestEndedAliasMoves(t *testing.T) {
	var d Deployment
	for i, m := range []events.Message{createdEvent(), events.AliasSet{Alias: "canary", Revision: 1}, events.AliasMoved{Alias: "canary", Revision: 1}} {
		ProjectDeployment(&d, uint64(i+1), env(i, "op-1"), m)
	}
	ProjectDeployment(&d, 4, env(4, "op-move"), events.AliasSet{Alias: "canary", Revision: 2, Previous: 1})
	ProjectDeployment(&d, 5, env(5, "op-other"), events.AliasSet{Alias: "stable", Revision: 1})
	ProjectDeployment(&d, 6, env(6, "op-other"), events.AliasMoved{Alias: "stable", Revision: 1})
	tests := []struct {
		name string
		msg  events.Message
		want string // the operation ended, "" for none
	}{
		{"set again", events.AliasSet{Alias: "canary", Revision: 1, Previous: 1}, "op-move"},
		{"deleted", events.AliasDeleted{Alias: "canary", Revision: 1}, "op-move"},
		{"terminated", events.DeploymentTerminated{Revision: 1}, "op-move"},
		{"another alias set", events.AliasSet{Alias: "stable", Revision: 2, Previous: 1}, ""},
		{"a rollout event", events.RolloutSucceeded{Revision: 1}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := EndedAliasMoves(d, tt.msg)
			if tt.want == "" {
				if len(got) != 0 {
					t.Fatalf("ended %v", got)
				}
				return
			}
			if len(got) != 1 || got[tt.want] == "" {
				t.Fatalf("ended %v, want %s", got, tt.want)
			}
		})
	}
	after := d
	ProjectDeployment(&after, 7, env(7, "op-move"), events.AliasMoved{Alias: "canary", Revision: 2, Previous: 1})
	if got := EndedAliasMoves(after, events.AliasSet{Alias: "canary", Revision: 1}); len(got) != 0 {
		t.Fatalf("a finished move was ended again: %v", got)
	}
}

// TestProjectDeploymentLeavesItsInputAlone: projecting into a copy of a
// document never changes the original (the projector keeps it as "before"
// and in its cache).
func TestProjectDeploymentLeavesItsInputAlone(t *testing.T) {
	var d Deployment
	for i, m := range []events.Message{createdEvent(), events.AliasSet{Alias: "canary", Revision: 1}} {
		ProjectDeployment(&d, uint64(i+1), env(i, "op-1"), m)
	}
	before := d
	after := d
	ProjectDeployment(&after, 3, env(3, "op-1"), events.AliasMoved{Alias: "canary", Revision: 1})
	ProjectDeployment(&after, 4, env(4, "op-1"), events.RolloutSucceeded{Revision: 1})
	if before.Aliases[0].Pending != 1 || before.Aliases[0].Revision != 0 || len(before.Aliases[0].History) != 0 || before.Seen[0].Succeeded {
		t.Fatalf("the original changed: %+v %+v", before.Aliases, before.Seen)
	}
}
