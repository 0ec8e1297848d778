package rollout

import (
	"errors"
	"testing"
	"time"

	"slipway.dev/pkg/events"
)

var (
	ref     = events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	catalog = Catalog{Default: "eu", Targets: map[string]TargetEntry{
		"eu": {Info: events.TargetInfo{Name: "eu", Namespace: "models", BaseURL: "https://eu.example"}, InstanceTypes: map[string]bool{"cpu-small": true}},
	}}
	t0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
)

func i32(n int32) *int32 { return &n }

func create(spec events.Spec) events.CreateDeployment {
	return events.CreateDeployment{Deployment: ref, Spec: spec}
}

// history builds a State from messages, numbering them from seq 1.
func history(msgs ...events.Message) State {
	var evs []Event
	for i, m := range msgs {
		evs = append(evs, Event{Seq: uint64(i + 1), Message: m,
			Envelope: events.Envelope{Time: t0.Add(time.Duration(i) * time.Second), CorrelationID: "op-1", CausationID: "cmd-1"}})
	}
	return Fold(evs)
}

func created() events.DeploymentCreated {
	return DecideCreate(State{}, create(events.Spec{Image: "img:1", Replicas: i32(4)}), catalog).Events[0].(events.DeploymentCreated)
}

func TestDecideCreate(t *testing.T) {
	tests := []struct {
		name   string
		state  State
		cmd    events.CreateDeployment
		reason string // "" = accepted
		field  string
	}{
		{"new deployment", State{}, create(events.Spec{Image: "img:1"}), "", ""},
		{"name taken", history(created()), create(events.Spec{Image: "img:1"}), events.ReasonAlreadyExists, ""},
		{"unknown target", State{}, events.CreateDeployment{Deployment: ref, Target: "mars", Spec: events.Spec{Image: "img:1"}}, events.ReasonUnknownTarget, ""},
		{"invalid spec", State{}, create(events.Spec{Image: "img:1", Replicas: i32(-1)}), events.ReasonInvalidSpec, "spec.replicas"},
		{"unknown instance type", State{}, create(events.Spec{Image: "img:1", InstanceType: "gpu-h100"}), events.ReasonUnknownInstance, ""},
		{"invalid name", State{}, events.CreateDeployment{Deployment: events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "Nope"}, Spec: events.Spec{Image: "i"}}, events.ReasonInvalidSpec, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := DecideCreate(tt.state, tt.cmd, catalog)
			rej, rejected := d.Rejected()
			if tt.reason == "" {
				if rejected || len(d.Events) != 1 {
					t.Fatalf("want accepted, got %+v", d.Events)
				}
				return
			}
			if !rejected || rej.Reason != tt.reason {
				t.Fatalf("want rejection %s, got %+v", tt.reason, d.Events)
			}
			if tt.field != "" && (len(rej.Fields) == 0 || rej.Fields[0].Field != tt.field) {
				t.Fatalf("want field %s, got %+v", tt.field, rej.Fields)
			}
		})
	}
}

func TestDecideCreateRecordsDefaultsAndTarget(t *testing.T) {
	c := created()
	if c.Target.Name != "eu" || c.Target.ObjectName == "" || c.Target.Namespace != "models" || c.Environment != "dev" {
		t.Fatalf("target/environment: %+v", c)
	}
	spec := c.Revision.Spec
	if c.Revision.Number != 1 || c.Revision.Cause != events.CauseCreated || spec.Port != events.DefaultPort ||
		spec.Rollout.MaxUnavailable != "0" || len(spec.Endpoints) != 1 {
		t.Fatalf("revision: %+v", c.Revision)
	}
}

func TestFoldTracksRolloutAndHandledCommands(t *testing.T) {
	s := history(created(), events.RolloutStarted{Revision: 1, Desired: 4},
		events.RolloutProgressed{Revision: 1, Replicas: events.Replicas{Desired: 4, Updated: 2}},
		events.RolloutSucceeded{Revision: 1, Replicas: events.Replicas{Desired: 4, Updated: 4, Ready: 4, Available: 4}})
	if !s.Exists || s.Current != 1 || s.Stable != 1 || s.Rollout.Phase != PhaseSucceeded || s.LastSeq != 4 {
		t.Fatalf("state: %+v rollout %+v", s, s.Rollout)
	}
	if !s.Handled("cmd-1") || s.Handled("cmd-2") {
		t.Fatal("the deciding command must be marked handled, and only it")
	}
	// Unknown messages (a newer version's) only move the sequence.
	s.Apply(Event{Seq: 9})
	if s.LastSeq != 9 || s.Current != 1 {
		t.Fatalf("after unknown event: %+v", s)
	}
}

func TestDecideStartOnlyOnce(t *testing.T) {
	pending := history(created())
	got := DecideStart(pending, 1)
	if len(got) != 1 || got[0].(events.RolloutStarted).Desired != 4 {
		t.Fatalf("start: %+v", got)
	}
	if again := DecideStart(history(created(), got[0]), 1); again != nil {
		t.Fatalf("a started rollout must not start again: %+v", again)
	}
	if other := DecideStart(pending, 2); other != nil {
		t.Fatalf("a revision that is not current must not start: %+v", other)
	}
}

func TestDecideProgress(t *testing.T) {
	progressing := history(created(), events.RolloutStarted{Revision: 1, Desired: 4})
	half := events.Replicas{Desired: 4, Updated: 2, Ready: 4, Available: 4}
	full := events.Replicas{Desired: 4, Updated: 4, Ready: 4, Available: 4}
	tests := []struct {
		name  string
		state State
		obs   Observation
		want  string // type of the decided event, "" = none
	}{
		{"counts moved", progressing, Observation{Revision: 1, Replicas: half}, events.RolloutProgressed{}.Type()},
		{"nothing new", history(created(), events.RolloutStarted{Revision: 1, Desired: 4}, events.RolloutProgressed{Revision: 1, Replicas: half}),
			Observation{Revision: 1, Replicas: half}, ""},
		{"complete", progressing, Observation{Revision: 1, Replicas: full, Complete: true}, events.RolloutSucceeded{}.Type()},
		{"deadline", progressing, Observation{Revision: 1, Replicas: half, DeadlineExceeded: true}, events.RolloutFailed{}.Type()},
		{"status of the previous generation", progressing, Observation{Revision: 1, Replicas: full, DeadlineExceeded: true, Stale: true}, ""},
		{"other revision", progressing, Observation{Revision: 2, Replicas: full, Complete: true}, ""},
		{"not started", history(created()), Observation{Revision: 1, Replicas: full, Complete: true}, ""},
		{"already ended", history(created(), events.RolloutStarted{Revision: 1}, events.RolloutSucceeded{Revision: 1}),
			Observation{Revision: 1, Replicas: full, Complete: true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.obs.Time = t0.Add(10 * time.Second)
			got := DecideProgress(tt.state, tt.obs)
			switch {
			case tt.want == "" && len(got) != 0:
				t.Fatalf("want nothing, got %+v", got)
			case tt.want != "" && (len(got) != 1 || got[0].Type() != tt.want):
				t.Fatalf("want %s, got %+v", tt.want, got)
			}
		})
	}
	failed := DecideProgress(progressing, Observation{Revision: 1, Replicas: half, DeadlineExceeded: true})[0].(events.RolloutFailed)
	if failed.Reason != events.ReasonProgressDeadlineExceeded || failed.Message == "" {
		t.Fatalf("failure must say why: %+v", failed)
	}
	ok := DecideProgress(progressing, Observation{Revision: 1, Replicas: full, Complete: true, Time: t0.Add(11 * time.Second)})[0].(events.RolloutSucceeded)
	if ok.DurationMS != 10000 {
		t.Fatalf("duration from RolloutStarted: %d", ok.DurationMS)
	}
}

func TestDecideApplyFailed(t *testing.T) {
	got := DecideApplyFailed(history(created(), events.RolloutStarted{Revision: 1}), 1, errors.New("forbidden"))
	if len(got) != 1 || got[0].(events.RolloutFailed).Reason != events.ReasonApplyFailed {
		t.Fatalf("got %+v", got)
	}
	if DecideApplyFailed(history(created(), events.RolloutStarted{Revision: 1}, events.RolloutFailed{Revision: 1}), 1, errors.New("x")) != nil {
		t.Fatal("an ended rollout cannot fail again")
	}
}

func TestPauseResumeAbort(t *testing.T) {
	stable := history(created(), events.RolloutStarted{Revision: 1}, events.RolloutSucceeded{Revision: 1})
	rollingHistory := func(more ...events.Message) State {
		return history(append([]events.Message{created(), events.RolloutStarted{Revision: 1}, events.RolloutSucceeded{Revision: 1},
			events.RevisionCreated{Revision: events.Revision{Number: 2, Spec: created().Revision.Spec, Cause: events.CauseUpdated}},
			events.RolloutStarted{Revision: 2}}, more...)...)
	}
	rolling, paused := rollingHistory(), rollingHistory(events.RolloutPaused{Revision: 2})
	pause, resume, abort := events.PauseRollout{Deployment: ref}, events.ResumeRollout{Deployment: ref}, events.AbortRollout{Deployment: ref, Message: "p99 up"}
	tests := []struct {
		name string
		got  Decision
		want string // event type, or "reject:<reason>"
	}{
		{"pause a rollout", DecidePause(rolling, pause), events.RolloutPaused{}.Type()},
		{"pause twice", DecidePause(paused, pause), events.DeploymentUnchanged{}.Type()},
		{"pause with nothing rolling", DecidePause(stable, pause), "reject:" + events.ReasonNoRolloutInFlight},
		{"resume", DecideResume(paused, resume), events.RolloutResumed{}.Type()},
		{"resume a running rollout", DecideResume(rolling, resume), events.DeploymentUnchanged{}.Type()},
		{"abort", DecideAbort(rolling, abort), events.RolloutAborted{}.Type()},
		{"abort a paused rollout", DecideAbort(paused, abort), events.RolloutAborted{}.Type()},
		{"abort with nothing rolling", DecideAbort(stable, abort), "reject:" + events.ReasonNoRolloutInFlight},
		{"pause a missing deployment", DecidePause(State{}, pause), "reject:" + events.ReasonNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.got.Events[0].Type()
			if r, ok := tt.got.Rejected(); ok {
				got = "reject:" + r.Reason
			}
			if got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
	if first := DecideAbort(history(created(), events.RolloutStarted{Revision: 1}), abort).Events[0].(events.RolloutAborted); first.RollbackTo != 0 {
		t.Fatalf("aborting a first revision has nothing to roll back to: %+v", first)
	}
	if a := DecideAbort(rolling, abort).Events[0].(events.RolloutAborted); a.RollbackTo != 1 {
		t.Fatalf("abort must say where it returns: %+v", a)
	}
	// An aborted rollout rolls back to the last good revision, once.
	aborted := rollingHistory()
	aborted.Apply(Event{Seq: 100, Message: DecideAbort(rolling, abort).Events[0], Envelope: events.Envelope{CorrelationID: "op-abort"}})
	if aborted.Rollout.Phase != PhaseAborted || aborted.Rollout.AbortOperation != "op-abort" {
		t.Fatalf("after abort: %+v", aborted.Rollout)
	}
	back := DecideAutoRollback(aborted, 2)
	if len(back) != 1 || back[0].(events.RevisionCreated).Revision.Cause != events.CauseAbort || back[0].(events.RevisionCreated).Revision.RollbackOf != 1 {
		t.Fatalf("rollback after abort: %+v", back)
	}
}

func TestDecidePromote(t *testing.T) {
	s := history(created(), events.RolloutStarted{Revision: 1}, events.RolloutSucceeded{Revision: 1})
	src := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "staging"}
	spec := created().Revision.Spec
	spec.Image = "img:2"
	cmd := events.PromoteDeployment{Deployment: ref, Spec: spec, PromotionID: "op-p", Source: src, SourceRevision: 7, ExpectedSeq: s.Version}
	d := DecidePromote(s, cmd, catalog)
	rc, ok := d.Events[0].(events.RevisionCreated)
	if !ok || rc.Revision.Cause != events.CausePromoted || rc.Revision.Message != "promoted from acme/fraud/staging@v7" ||
		rc.Revision.PromotedFrom.PromotionID != "op-p" || rc.Revision.Number != 2 {
		t.Fatalf("promotion: %+v", d.Events)
	}
	stale := cmd
	stale.ExpectedSeq = s.Version + 1
	if r, ok := DecidePromote(s, stale, catalog).Rejected(); !ok || r.Reason != events.ReasonPreconditionFailed {
		t.Fatalf("a stale plan must be refused: %+v", r)
	}
	same := cmd
	same.Spec = created().Revision.Spec
	if _, ok := DecidePromote(s, same, catalog).Events[0].(events.DeploymentUnchanged); !ok {
		t.Fatal("promoting what runs must create no revision")
	}
}

func TestCrashLoopingPodsFailTheRolloutBeforeItsDeadline(t *testing.T) {
	spec := created().Revision.Spec
	spec.Image = "img:crashes"
	base := []events.Message{created(), events.RolloutStarted{Revision: 1}, events.RolloutSucceeded{Revision: 1},
		events.RevisionCreated{Revision: events.Revision{Number: 2, Spec: spec, Cause: events.CauseUpdated}}, events.RolloutStarted{Revision: 2}}
	obs := Observation{Revision: 2, Replicas: events.Replicas{Desired: 4, Updated: 1, Ready: 4, Available: 4}}
	tests := []struct {
		name   string
		health events.HealthChanged
		fails  bool
	}{
		{"new pods crash-loop", events.HealthChanged{To: events.HealthDegraded, Reason: events.ReasonCrashLoopBackOff, Revision: 2}, true},
		{"new pods cannot pull", events.HealthChanged{To: events.HealthDegraded, Reason: events.ReasonImagePullBackOff, Revision: 2}, true},
		{"old pods crash-loop", events.HealthChanged{To: events.HealthDegraded, Reason: events.ReasonCrashLoopBackOff, Revision: 1}, false},
		{"merely progressing", events.HealthChanged{To: events.HealthProgressing, Reason: events.ReasonRolloutInProgress, Revision: 2}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DecideProgress(history(append(append([]events.Message{}, base...), tt.health)...), obs)
			failed := len(got) == 1 && got[0].Type() == events.RolloutFailed{}.Type()
			if failed != tt.fails {
				t.Fatalf("got %+v", got)
			}
			if failed && got[0].(events.RolloutFailed).Reason != tt.health.Reason {
				t.Fatalf("the failure must carry the health reason: %+v", got[0])
			}
		})
	}
}
