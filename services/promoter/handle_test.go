package promoter

import (
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"slipway.dev/pkg/events"
)

var (
	sourceRef = events.DeploymentRef{Owner: "acme", Project: "fraud-staging", Name: "scorer"}
	targetRef = events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}

	stagingSpec = events.Spec{Image: "ghcr.io/acme/scorer:2.0", Env: map[string]string{"MODE": "staging"}}
	prodSpec    = events.Spec{Image: "ghcr.io/acme/scorer:1.0", Env: map[string]string{"MODE": "prod"}}
	// flaggedSpec has an env key the target lacks: a plan needs a value for it.
	flaggedSpec = events.Spec{Image: "ghcr.io/acme/scorer:2.0", Env: map[string]string{"MODE": "staging", "FEATURE": "on"}}
)

// deliveryOf is one delivery of a command: id is its envelope id (and
// operation id), the same for a redelivery.
type deliveryOf struct {
	id  string
	cmd events.Message
}

func created(ref events.DeploymentRef, spec events.Spec) events.DeploymentCreated {
	return events.DeploymentCreated{Deployment: ref, Revision: events.Revision{Number: 1, Spec: spec, Cause: "create"}}
}

// rolledOut is a deployment created with spec whose revision 1 rolled out.
func rolledOut(ref events.DeploymentRef, spec events.Spec) []events.Message {
	return []events.Message{created(ref, spec), events.RolloutSucceeded{Revision: 1}}
}

func planned(id string) write {
	return write{Op: "append", Subject: events.PromotionSubject(id), Type: events.PromotionPlanned{}.Type()}
}

func applied(id string) write {
	return write{Op: "append", Subject: events.PromotionSubject(id), Type: events.PromotionApplied{}.Type()}
}

func rejected(id, reason string) write {
	return write{Op: "append", Subject: events.PromotionSubject(id), Type: events.CommandRejected{}.Type(), Reason: reason}
}

var promoted = write{Op: "publish", Subject: events.CommandSubject(events.KindPromoted, targetRef), Type: events.PromoteDeployment{}.Type()}

// TestHandle compares what the last delivery of a table entry's commands
// wrote (appends to histories, commands to the worker) with what the
// promoter must do. Every delivery is acked: a refusal is recorded, not
// retried.
func TestHandle(t *testing.T) {
	plan := events.PlanPromotion{Source: sourceRef, Target: targetRef}
	dryRun := events.PlanPromotion{Source: sourceRef, Target: targetRef, DryRun: true}
	apply := events.ApplyPromotion{ID: "op-1", Target: targetRef}
	tests := []struct {
		name       string
		source     []events.Message // the source deployment's history
		target     []events.Message // the target deployment's history
		deliveries []deliveryOf
		want       []write
	}{
		{name: "a complete plan is planned and applied",
			source: rolledOut(sourceRef, stagingSpec), target: rolledOut(targetRef, prodSpec),
			deliveries: []deliveryOf{{"op-1", plan}},
			want:       []write{planned("op-1"), promoted, applied("op-1")}},
		{name: "a dry run is planned, not applied",
			source: rolledOut(sourceRef, stagingSpec), target: rolledOut(targetRef, prodSpec),
			deliveries: []deliveryOf{{"op-1", dryRun}},
			want:       []write{planned("op-1")}},
		{name: "a reviewed plan is applied",
			source: rolledOut(sourceRef, stagingSpec), target: rolledOut(targetRef, prodSpec),
			deliveries: []deliveryOf{{"op-1", dryRun}, {"op-2", apply}},
			want:       []write{promoted, applied("op-1")}},
		{name: "a key new in the source given a value is applied",
			source: rolledOut(sourceRef, flaggedSpec), target: rolledOut(targetRef, prodSpec),
			deliveries: []deliveryOf{{"op-1", events.PlanPromotion{Source: sourceRef, Target: targetRef, Env: map[string]string{"FEATURE": "off"}}}},
			want:       []write{planned("op-1"), promoted, applied("op-1")}},
		{name: "a missing target is refused",
			source:     rolledOut(sourceRef, stagingSpec),
			deliveries: []deliveryOf{{"op-1", plan}},
			want:       []write{rejected("op-1", events.ReasonNotFound)}},
		{name: "a terminated target is refused",
			source: rolledOut(sourceRef, stagingSpec), target: append(rolledOut(targetRef, prodSpec), events.DeploymentTerminated{}),
			deliveries: []deliveryOf{{"op-1", plan}},
			want:       []write{rejected("op-1", events.ReasonNotFound)}},
		{name: "a missing source is refused",
			target:     rolledOut(targetRef, prodSpec),
			deliveries: []deliveryOf{{"op-1", plan}},
			want:       []write{rejected("op-1", events.ReasonNotFound)}},
		{name: "a source that never rolled out is refused",
			source: []events.Message{created(sourceRef, stagingSpec)}, target: rolledOut(targetRef, prodSpec),
			deliveries: []deliveryOf{{"op-1", plan}},
			want:       []write{rejected("op-1", events.ReasonNotFound)}},
		{name: "a source revision that does not exist is refused",
			source: rolledOut(sourceRef, stagingSpec), target: rolledOut(targetRef, prodSpec),
			deliveries: []deliveryOf{{"op-1", events.PlanPromotion{Source: sourceRef, Target: targetRef, SourceRevision: 5}}},
			want:       []write{rejected("op-1", events.ReasonNotFound)}},
		{name: "a plan that needs a decision is planned, then refused",
			source: rolledOut(sourceRef, flaggedSpec), target: rolledOut(targetRef, prodSpec),
			deliveries: []deliveryOf{{"op-1", plan}},
			want:       []write{planned("op-1"), rejected("op-1", events.ReasonInvalidSpec)}},
		{name: "applying a promotion never planned is refused",
			deliveries: []deliveryOf{{"op-2", events.ApplyPromotion{ID: "nope", Target: targetRef}}},
			want:       []write{rejected("nope", events.ReasonNotFound)}},
		{name: "a redelivered plan takes no second action",
			source: rolledOut(sourceRef, stagingSpec), target: rolledOut(targetRef, prodSpec),
			deliveries: []deliveryOf{{"op-1", plan}, {"op-1", plan}}},
		{name: "a redelivered dry run takes no second action",
			source: rolledOut(sourceRef, stagingSpec), target: rolledOut(targetRef, prodSpec),
			deliveries: []deliveryOf{{"op-1", dryRun}, {"op-1", dryRun}}},
		{name: "a redelivered apply takes no second action",
			source: rolledOut(sourceRef, stagingSpec), target: rolledOut(targetRef, prodSpec),
			deliveries: []deliveryOf{{"op-1", dryRun}, {"op-2", apply}, {"op-2", apply}}},
		{name: "a redelivered refusal takes no second action",
			source:     rolledOut(sourceRef, stagingSpec),
			deliveries: []deliveryOf{{"op-1", plan}, {"op-1", plan}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeLog()
			seed(t, f, sourceRef, tt.source)
			seed(t, f, targetRef, tt.target)
			h := &handler{bus: f, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
			var got []write
			for _, d := range tt.deliveries {
				f.writes = nil
				msg := &fakeMsg{data: envelope(t, d)}
				h.handle(t.Context(), msg)
				if msg.settled != "ack" {
					t.Fatalf("delivery %s of %s: settled %q, want ack; writes %+v", d.id, d.cmd.Type(), msg.settled, f.writes)
				}
				got = f.writes
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("the last delivery wrote\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

// TestAppliedPlanCarriesTheSourcesArtifactAndTheTargetsVersion: the
// worker gets the source revision's image with the target's env, and the
// target's version the plan was made on, so it refuses a stale plan.
func TestAppliedPlanCarriesTheSourcesArtifactAndTheTargetsVersion(t *testing.T) {
	f := newFakeLog()
	seed(t, f, sourceRef, rolledOut(sourceRef, stagingSpec))
	seed(t, f, targetRef, rolledOut(targetRef, prodSpec))
	_, targetVersion, err := f.History(t.Context(), events.DeploymentSubject(targetRef))
	if err != nil {
		t.Fatal(err)
	}
	h := &handler{bus: f, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	h.handle(t.Context(), &fakeMsg{data: envelope(t, deliveryOf{"op-1", events.PlanPromotion{Source: sourceRef, Target: targetRef, Message: "ship it"}})})
	cmds := f.published(promoted.Subject)
	if len(cmds) != 1 {
		t.Fatalf("%d commands to the worker, want 1", len(cmds))
	}
	got := cmds[0].(events.PromoteDeployment)
	if got.Spec.Image != stagingSpec.Image || got.Spec.Env["MODE"] != "prod" {
		t.Errorf("spec %+v: want the source's image %s and the target's env", got.Spec, stagingSpec.Image)
	}
	// Created and RolloutSucceeded: only the creation moves the version.
	if got.PromotionID != "op-1" || got.Source != sourceRef || got.SourceRevision != 1 || got.ExpectedSeq != targetVersion-1 ||
		got.Message != "ship it" {
		t.Errorf("command %+v: want promotion op-1 of %s revision 1 at the target's version %d", got, sourceRef, targetVersion-1)
	}
}

// TestUnsettledCommands: a delivery that cannot be read is terminated (a
// redelivery would not read better); one whose histories cannot be read is
// retried. Neither writes anything.
func TestUnsettledCommands(t *testing.T) {
	t.Run("a malformed envelope is terminated", func(t *testing.T) {
		f := newFakeLog()
		msg := &fakeMsg{data: []byte("{not json")}
		(&handler{bus: f, log: slog.New(slog.NewTextHandler(io.Discard, nil))}).handle(t.Context(), msg)
		if msg.settled != "term" || len(f.writes) != 0 {
			t.Errorf("settled %q with writes %+v; want term and none", msg.settled, f.writes)
		}
	})
	t.Run("an unreadable history is retried", func(t *testing.T) {
		f := newFakeLog()
		f.historyErr = io.ErrUnexpectedEOF
		msg := &fakeMsg{data: envelope(t, deliveryOf{"op-1", events.PlanPromotion{Source: sourceRef, Target: targetRef}})}
		(&handler{bus: f, log: slog.New(slog.NewTextHandler(io.Discard, nil))}).handle(t.Context(), msg)
		if msg.settled != "nak" || len(f.writes) != 0 {
			t.Errorf("settled %q with writes %+v; want nak and none", msg.settled, f.writes)
		}
	})
}

func seed(t *testing.T, f *fakeLog, ref events.DeploymentRef, msgs []events.Message) {
	t.Helper()
	for _, m := range msgs {
		if err := f.seed(events.DeploymentSubject(ref), m); err != nil {
			t.Fatal(err)
		}
	}
}

// envelope is the command as the api publishes it: about the target, its
// operation the command's own id.
func envelope(t *testing.T, d deliveryOf) []byte {
	t.Helper()
	env, err := events.Wrap(d.cmd, events.Meta{ID: d.id, Source: "/slipway/api", Subject: targetRef.String(), Time: time.Now(),
		Actor: "alice", CorrelationID: d.id})
	if err != nil {
		t.Fatal(err)
	}
	b, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAPlanStoredMeanwhileIsThePlan: when another delivery of the command
// stores its plan between this one's read and its append (a conflict, or the
// same event id), the plan stored is the one applied and it is not stored
// twice.
func TestAPlanStoredMeanwhileIsThePlan(t *testing.T) {
	for _, otherID := range []string{"op-1.planned", "another-writer"} {
		t.Run(otherID, func(t *testing.T) {
			f := newFakeLog()
			seed(t, f, sourceRef, rolledOut(sourceRef, stagingSpec))
			seed(t, f, targetRef, rolledOut(targetRef, prodSpec))
			_, targetVersion, err := f.History(t.Context(), events.DeploymentSubject(targetRef))
			if err != nil {
				t.Fatal(err)
			}
			theirs := events.PromotionPlanned{ID: "op-1", Source: sourceRef, SourceRevision: 1, Target: targetRef, TargetRevision: 1,
				TargetSeq: targetVersion - 1, Plan: []byte(`{"spec":{"image":"ghcr.io/acme/scorer:theirs"}}`)}
			f.beforeAppend = func() {
				if err := f.seedAs(otherID, events.PromotionSubject("op-1"), theirs); err != nil {
					t.Error(err)
				}
			}
			h := &handler{bus: f, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
			msg := &fakeMsg{data: envelope(t, deliveryOf{"op-1", events.PlanPromotion{Source: sourceRef, Target: targetRef}})}
			h.handle(t.Context(), msg)
			if msg.settled != "ack" {
				t.Fatalf("settled %q, want ack", msg.settled)
			}
			history, _, err := f.History(t.Context(), events.PromotionSubject("op-1"))
			if err != nil {
				t.Fatal(err)
			}
			var types []string
			for _, r := range history {
				types = append(types, r.Envelope.Type)
			}
			if want := []string{planned("").Type, applied("").Type}; !slices.Equal(types, want) {
				t.Errorf("the promotion's history: %v, want %v", types, want)
			}
			cmds := f.published(promoted.Subject)
			if len(cmds) != 1 || cmds[0].(events.PromoteDeployment).Spec.Image != "ghcr.io/acme/scorer:theirs" {
				t.Errorf("commands to the worker %+v: want one, with the stored plan's spec", cmds)
			}
		})
	}
}
