package projector_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"sort"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/embedded/embeddedtest"
	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/projector"
	"slipway.dev/services/api/internal/readmodel"
)

type infra struct {
	bus      *bus.Conn
	mongoURI string
}

func startInfra(t *testing.T) infra {
	t.Helper()
	b, _ := embeddedtest.NATS(t)
	return infra{bus: b, mongoURI: embeddedtest.FerretDB(t)}
}

// appendHistory writes a few deployments' lives to EVENTS and returns the last sequence.
func appendHistory(t *testing.T, b *bus.Conn) uint64 {
	t.Helper()
	var last uint64
	for i, name := range []string{"alpha", "beta", "gamma"} {
		ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: name}
		n := int32(i + 1)
		op := "op-" + name
		msgs := []events.Message{
			events.DeploymentCreated{Deployment: ref, Environment: "dev", Labels: map[string]string{"app.kubernetes.io/name": name},
				Target:   events.TargetInfo{Name: "sim", Namespace: "default", BaseURL: "http://sim", ObjectName: name + "-x"},
				Revision: events.Revision{Number: 1, Cause: events.CauseCreated, Spec: events.Spec{Image: "img:" + name, Replicas: &n}.WithDefaults()}},
			events.RolloutStarted{Revision: 1, Desired: n},
			events.RolloutProgressed{Revision: 1, Replicas: events.Replicas{Desired: n, Updated: n}},
			events.RolloutSucceeded{Revision: 1, Replicas: events.Replicas{Desired: n, Updated: n, Ready: n, Available: n}},
			events.HealthChanged{From: "Unknown", To: "Healthy", Reason: events.ReasonAllReplicasReady},
		}
		if name == "gamma" {
			msgs = msgs[:2]
			msgs = append(msgs, events.RolloutFailed{Revision: 1, Reason: events.ReasonProgressDeadlineExceeded, Message: "stuck"})
		}
		var seq uint64
		for j, m := range msgs {
			corr := op
			if _, ok := m.(events.HealthChanged); ok {
				corr = ""
			}
			env, err := events.Wrap(m, events.Meta{ID: op + "-" + string(rune('a'+j)), Source: "/test", Subject: ref.String(),
				Time: time.Date(2026, 1, 1, 0, 0, i*10+j, 0, time.UTC), Actor: "user:test", CorrelationID: corr})
			if err != nil {
				t.Fatal(err)
			}
			pub, err := b.Append(t.Context(), events.DeploymentSubject(ref), env, seq)
			if err != nil {
				t.Fatal(err)
			}
			seq, last = pub.Seq, pub.Seq
		}
	}
	return appendRichHistory(t, b, last)
}

// appendRichHistory gives one deployment every kind of event the projector
// reads: revisions (superseding, rollback, abort), pause, queue, drift,
// unchanged, rejection, termination.
func appendRichHistory(t *testing.T, b *bus.Conn, last uint64) uint64 {
	t.Helper()
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "delta"}
	n := int32(2)
	spec := events.Spec{Image: "img:1", Replicas: &n}.WithDefaults()
	spec2 := spec
	spec2.Image = "img:2"
	reps := events.Replicas{Desired: 2, Updated: 2, Ready: 2, Available: 2}
	steps := []struct {
		op  string
		msg events.Message
	}{
		{"op-d1", events.DeploymentCreated{Deployment: ref, Environment: "prod", Target: events.TargetInfo{Name: "sim", Namespace: "default", BaseURL: "http://sim", ObjectName: "delta-x"},
			Revision: events.Revision{Number: 1, Cause: events.CauseCreated, Spec: spec}}},
		{"op-d1", events.RolloutQueued{Revision: 1, Target: "sim", Limit: 1}},
		{"op-d1", events.RolloutStarted{Revision: 1, Desired: 2}},
		{"op-d1", events.RolloutSucceeded{Revision: 1, Replicas: reps}},
		{"op-d2", events.RevisionCreated{Revision: events.Revision{Number: 2, Cause: events.CauseUpdated, Spec: spec2}}},
		{"op-d2", events.RolloutStarted{Revision: 2, FromRevision: 1, Desired: 2}},
		{"op-d3", events.RolloutPaused{Revision: 2}},
		{"op-d4", events.RevisionCreated{Revision: events.Revision{Number: 3, Cause: events.CauseRollback, RollbackOf: 1, Spec: spec, TemplateRevision: 1},
			Supersedes: 2, SupersededOperation: "op-d2"}},
		{"op-d4", events.RolloutStarted{Revision: 3, FromRevision: 1, Desired: 2}},
		{"op-d5", events.RolloutAborted{Revision: 3, Reason: events.ReasonAborted, Message: "stop", RollbackTo: 1}},
		{"op-d5", events.RevisionCreated{Revision: events.Revision{Number: 4, Cause: events.CauseAbort, RollbackOf: 1, Spec: spec, TemplateRevision: 1}}},
		{"op-d5", events.RolloutStarted{Revision: 4, FromRevision: 1, Desired: 2}},
		{"op-d5", events.RolloutSucceeded{Revision: 4, Replicas: reps}},
		{"", events.DriftDetected{Revision: 4, Object: "apps/v1 Deployment default/delta-x", Fields: []string{".spec.replicas"}, Action: events.DriftReverted}},
		{"op-d6", events.DeploymentUnchanged{Revision: 4, Message: "no change"}},
		{"op-d7", events.CommandRejected{CommandType: events.RollbackDeployment{}.Type(), Reason: events.ReasonNotFound, Message: "no revision 9"}},
		{"op-d8", events.DeploymentTerminated{Revision: 4}},
		{"op-d8", events.TerminationCompleted{Objects: []string{"apps/v1 Deployment default/delta-x"}}},
	}
	var seq uint64
	for i, st := range steps {
		env, err := events.Wrap(st.msg, events.Meta{ID: fmt.Sprintf("delta-%d", i), Source: "/test", Subject: ref.String(),
			Time: time.Date(2026, 1, 2, 0, 0, i, 0, time.UTC), Actor: "user:test", CorrelationID: st.op})
		if err != nil {
			t.Fatal(err)
		}
		pub, err := b.Append(t.Context(), events.DeploymentSubject(ref), env, seq)
		if err != nil {
			t.Fatal(err)
		}
		seq, last = pub.Seq, pub.Seq
	}
	return last
}

// running is a projector running into one database.
type running struct {
	notify *projector.Notifier
	done   chan error
	cancel context.CancelFunc
	store  *readmodel.Store
}

// start runs a projector into database db, configured by configure (nil:
// as New makes it), logging to log (nil: nowhere).
func start(t *testing.T, in infra, db string, log *slog.Logger, configure func(*projector.Projector)) *running {
	t.Helper()
	store, err := readmodel.Open(t.Context(), in.mongoURI, db)
	if err != nil {
		t.Fatal(err)
	}
	if log == nil {
		log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	r := &running{notify: projector.NewNotifier(), done: make(chan error, 1), store: store}
	p := projector.New(in.bus, store, r.notify, log)
	if configure != nil {
		configure(p)
	}
	ctx, cancel := context.WithCancel(t.Context())
	r.cancel = cancel
	go func() { r.done <- p.Run(ctx) }()
	return r
}

// waitApplied waits until the projector has applied (and written) upTo.
func (r *running) waitApplied(t *testing.T, upTo uint64) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for r.notify.Applied() < upTo {
		select {
		case <-r.notify.Changed():
		case <-deadline:
			t.Fatalf("projector applied %d of %d", r.notify.Applied(), upTo)
		case err := <-r.done:
			t.Fatalf("projector stopped: %v", err)
		}
	}
}

// stop stops the projector.
func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	if err := <-r.done; err != nil {
		t.Fatal(err)
	}
	_ = r.store.Close(context.Background())
}

// project runs a projector into database db until it has applied upTo.
func project(t *testing.T, in infra, db string, upTo uint64) {
	t.Helper()
	r := start(t, in, db, nil, nil)
	r.waitApplied(t, upTo)
	r.stop(t)
}

func dump(t *testing.T, uri, db string) map[string][]bson.M {
	t.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Disconnect(context.Background()) }()
	out := map[string][]bson.M{}
	for _, coll := range []string{"deployments", "operations", "revisions"} {
		cur, err := client.Database(db).Collection(coll).Find(t.Context(), bson.M{})
		if err != nil {
			t.Fatal(err)
		}
		var docs []bson.M
		if err := cur.All(t.Context(), &docs); err != nil {
			t.Fatal(err)
		}
		sort.Slice(docs, func(i, j int) bool { return docs[i]["_id"].(string) < docs[j]["_id"].(string) })
		out[coll] = docs
	}
	return out
}

// TestReplayRebuildsIdenticalReadModels projects EVENTS live, then replays
// the whole stream into an empty database, and into the first one again
// from scratch, and compares every document.
func TestReplayRebuildsIdenticalReadModels(t *testing.T) {
	in := startInfra(t)
	last := appendHistory(t, in.bus)
	project(t, in, "live", last)
	project(t, in, "replayed", last)
	live, replayed := dump(t, in.mongoURI, "live"), dump(t, in.mongoURI, "replayed")
	if len(live["deployments"]) != 4 || len(live["operations"]) != 11 || len(live["revisions"]) != 7 {
		t.Fatalf("live read models: %d deployments, %d operations, %d revisions", len(live["deployments"]), len(live["operations"]), len(live["revisions"]))
	}
	if !reflect.DeepEqual(live, replayed) {
		t.Fatalf("replay differs:\nlive     %v\nreplayed %v", live, replayed)
	}
	// Running the projector again over the same database (checkpoint reset:
	// every event redelivered) must change nothing either.
	store, err := readmodel.Open(t.Context(), in.mongoURI, "live")
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SetCheckpoint(t.Context(), projector.CheckpointName, 0); err != nil {
		t.Fatal(err)
	}
	_ = store.Close(context.Background())
	project(t, in, "live", last)
	if again := dump(t, in.mongoURI, "live"); !reflect.DeepEqual(again, live) {
		t.Fatalf("re-applying events changed documents:\nbefore %v\nafter  %v", live, again)
	}
	var gamma readmodel.Deployment
	for _, d := range live["deployments"] {
		if d["_id"] == "acme/fraud/gamma" {
			b, _ := bson.Marshal(d)
			_ = bson.Unmarshal(b, &gamma)
		}
	}
	if gamma.Phase != events.DeploymentPhaseFailed || gamma.Reason != events.ReasonProgressDeadlineExceeded {
		t.Fatalf("gamma: %+v", gamma)
	}
	byID := func(coll, id string) bson.M {
		for _, d := range live[coll] {
			if d["_id"] == id {
				return d
			}
		}
		t.Fatalf("no %s %s", coll, id)
		return nil
	}
	checks := []struct {
		coll, id, field string
		want            any
	}{
		{"deployments", "acme/fraud/delta", "phase", string(events.DeploymentPhaseTerminated)},
		{"deployments", "acme/fraud/delta", "runningRevision", int32(4)},
		{"operations", "op-d2", "status", readmodel.OpFailed},
		{"operations", "op-d2", "reason", events.ReasonSuperseded},
		{"operations", "op-d3", "kind", "pause_rollout"},
		{"operations", "op-d4", "kind", "rollback_deployment"},
		{"operations", "op-d4", "reason", events.ReasonAborted},
		{"operations", "op-d5", "status", readmodel.OpSucceeded},
		{"operations", "op-d6", "status", readmodel.OpSucceeded},
		{"operations", "op-d7", "status", readmodel.OpRejected},
		{"operations", "op-d8", "status", readmodel.OpSucceeded},
	}
	for _, c := range checks {
		if got := byID(c.coll, c.id)[c.field]; got != c.want {
			t.Errorf("%s %s %s = %v (%T), want %v", c.coll, c.id, c.field, got, got, c.want)
		}
	}
	for rev, phase := range map[int]events.RolloutPhase{2: events.RolloutPhaseSuperseded, 3: events.RolloutPhaseAborted, 4: events.RolloutPhaseSucceeded} {
		var doc readmodel.Revision
		raw, _ := bson.Marshal(byID("revisions", fmt.Sprintf("acme/fraud/delta/v%d", rev)))
		if err := bson.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Rollout.Phase != phase {
			t.Errorf("revision %d rollout phase %v, want %s", rev, doc.Rollout.Phase, phase)
		}
	}
}
