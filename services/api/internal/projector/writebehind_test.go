package projector_test

import (
	"context"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"slipway.dev/services/api/internal/projector"
)

// flushEvery makes a projector flush under the given limits.
func flushEvery(docs, events int, delay time.Duration) func(*projector.Projector) {
	return func(p *projector.Projector) { projector.SetFlushLimits(p, docs, events, delay) }
}

func connect(t *testing.T, in infra) *mongo.Client {
	t.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI(in.mongoURI))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	return client
}

func checkpointOf(t *testing.T, client *mongo.Client, db string) uint64 {
	t.Helper()
	var cp struct {
		Seq int64 `bson:"seq"`
	}
	err := client.Database(db).Collection("checkpoints").FindOne(t.Context(), bson.M{"_id": projector.CheckpointName}).Decode(&cp)
	if err != nil && err != mongo.ErrNoDocuments {
		t.Fatal(err)
	}
	return uint64(cp.Seq)
}

// TestBatchedFlushesGiveTheSameDocuments projects one history flushing after
// every event, then in batches of several sizes (the whole history is in
// EVENTS before each projector starts, so it catches up in batches), and
// compares every document.
func TestBatchedFlushesGiveTheSameDocuments(t *testing.T) {
	in := startInfra(t)
	last := appendHistory(t, in.bus)
	client := connect(t, in)
	r := start(t, in, "one-by-one", nil, flushEvery(1, 1, time.Hour))
	r.waitApplied(t, last)
	r.stop(t)
	if wakes := projector.Wakes(r.notify); wakes < int(last) {
		t.Fatalf("flushing every event woke waiters %d times for %d events", wakes, last)
	}
	want := dump(t, in.mongoURI, "one-by-one")
	for name, configure := range map[string]func(*projector.Projector){
		"docs-2":    flushEvery(2, 1000, time.Hour),
		"events-3":  flushEvery(1000, 3, time.Hour),
		"events-7":  flushEvery(4, 7, time.Hour),
		"delay-1ms": flushEvery(1000, 1000, time.Millisecond),
		"defaults":  nil,
	} {
		r := start(t, in, name, nil, configure)
		r.waitApplied(t, last)
		r.stop(t)
		if got := dump(t, in.mongoURI, name); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: documents differ from flushing every event:\nbatched %v\none     %v", name, got, want)
		}
		if cp := checkpointOf(t, client, name); cp != last {
			t.Errorf("%s: checkpoint %d, want %d", name, cp, last)
		}
		if name == "events-3" {
			if wakes := projector.Wakes(r.notify); wakes > int(last)/3+2 {
				t.Errorf("%s: %d flushes for %d events: not batched", name, wakes, last)
			}
		}
	}
}

// signal is a log handler that reports records whose message has a prefix.
type signal struct {
	prefix string
	seen   chan string
}

func (s signal) Enabled(context.Context, slog.Level) bool { return true }
func (s signal) WithAttrs([]slog.Attr) slog.Handler       { return s }
func (s signal) WithGroup(string) slog.Handler            { return s }
func (s signal) Handle(_ context.Context, r slog.Record) error {
	if strings.HasPrefix(r.Message, s.prefix) {
		select {
		case s.seen <- r.Message:
		default:
		}
	}
	return nil
}

// TestFailedFlushLosesNothing makes FerretDB refuse a flush (a unique index
// on the operations' status, which the history's operations share), checks
// the projector neither records a checkpoint past the failed batch nor wakes
// waiters for it, then lifts the refusal and expects the same documents as a
// projection that never failed.
func TestFailedFlushLosesNothing(t *testing.T) {
	in := startInfra(t)
	last := appendHistory(t, in.bus)
	client := connect(t, in)
	project(t, in, "reference", last)
	want := dump(t, in.mongoURI, "reference")

	ops := client.Database("failing").Collection("operations")
	index, err := ops.Indexes().CreateOne(t.Context(), mongo.IndexModel{Keys: bson.M{"status": 1}, Options: options.Index().SetUnique(true)})
	if err != nil {
		t.Fatal(err)
	}
	failed := signal{prefix: "projector flush failed", seen: make(chan string, 1)}
	r := start(t, in, "failing", slog.New(failed), flushEvery(4, 6, time.Hour))
	select {
	case <-failed.seen:
	case err := <-r.done:
		t.Fatalf("projector stopped: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("no flush failed")
	}
	applied := r.notify.Applied()
	if applied >= last {
		t.Fatalf("waiters woken for %d while a flush fails (last %d)", applied, last)
	}
	time.Sleep(300 * time.Millisecond) // a retry or two, still refused
	if got := r.notify.Applied(); got != applied {
		t.Fatalf("waiters woken for %d after %d while every flush fails", got, applied)
	}
	if cp := checkpointOf(t, client, "failing"); cp > applied {
		t.Fatalf("checkpoint %d past the last flushed event %d", cp, applied)
	}
	if err := ops.Indexes().DropOne(t.Context(), index); err != nil {
		t.Fatal(err)
	}
	r.waitApplied(t, last)
	r.stop(t)
	if got := dump(t, in.mongoURI, "failing"); !reflect.DeepEqual(got, want) {
		t.Fatalf("after a failed flush documents differ:\ngot  %v\nwant %v", got, want)
	}
	if cp := checkpointOf(t, client, "failing"); cp != last {
		t.Fatalf("checkpoint %d, want %d", cp, last)
	}
}
