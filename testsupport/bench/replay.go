package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
)

// replayDocs is how many deployments the replayed events are spread over.
const replayDocs = 8

// runReplay measures rebuilding the read models by replay: with K events in
// EVENTS, an api started on an empty database projects all of them; the
// time runs from its start until its checkpoint reaches the stream's last
// sequence. The baseline is as many sequential ReplaceOne upserts of the
// same documents with the driver on the same FerretDB, one per event; the
// projector writes behind while catching up (a document once per flush, not
// per event), so the note reports the writes and flushes it made.
func runReplay(ctx context.Context, e *env) ([]Row, error) {
	s, err := e.simStack(ctx, "replay")
	if err != nil {
		return nil, err
	}
	defer func() { _ = s.Close() }()
	refs, err := createFleet(ctx, newClient(s.URL), "replay", replayDocs)
	if err != nil {
		return nil, err
	}
	if err := s.StopAPI(); err != nil { // no projector competes from here on
		return nil, err
	}
	conn, err := bus.Connect(ctx, s.NATSURL, "bench-replay")
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	a, err := newAppender(ctx, conn, refs)
	if err != nil {
		return nil, err
	}
	k := e.pick(1000, 5000)
	for j := range k {
		if _, err := a.append(ctx, j%len(refs)); err != nil {
			return nil, err
		}
	}
	stream, err := conn.Stream(ctx, events.StreamEvents)
	if err != nil {
		return nil, err
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return nil, err
	}
	mc, err := mongo.Connect(options.Client().ApplyURI(s.MongoURI).SetTimeout(10 * time.Second))
	if err != nil {
		return nil, err
	}
	defer func() { _ = mc.Disconnect(context.Background()) }()

	var took time.Duration
	flushes, writes := counter("slipway_projector_flushes_total"), counter("slipway_projector_document_writes_total")
	err = e.profile("replay", func() error {
		began := time.Now()
		svc, err := s.StartAPI("replay")
		if err != nil {
			return err
		}
		defer func() { _ = svc.Stop() }()
		if err := waitCheckpoint(ctx, mc.Database("replay"), info.State.LastSeq); err != nil {
			return err
		}
		took = time.Since(began)
		flushes, writes = counter("slipway_projector_flushes_total")-flushes, counter("slipway_projector_document_writes_total")-writes
		return nil
	})
	if err != nil {
		return nil, err
	}
	total := int(info.State.Msgs)
	raw, err := rawUpserts(ctx, mc, total)
	if err != nil {
		return nil, err
	}
	return []Row{{Benchmark: "replay rebuild", Slipway: float64(total) / took.Seconds(), Baseline: raw, Unit: "events/s",
		Target: atLeast(5000, "events/s"),
		Note: fmt.Sprintf("%d events (%d RolloutProgressed appended, the rest from creating %d deployments) projected into an empty "+
			"database in %.1f s, api start included; the projector coalesces writes while catching up: %.0f document writes in "+
			"%.0f flushes for these %d events; baseline: %d sequential ReplaceOne upserts of the same documents (upserts/s)",
			total, k, len(refs), took.Seconds(), writes, flushes, total, total)}}, nil
}

// waitCheckpoint waits until the projection's checkpoint in db reaches seq.
func waitCheckpoint(ctx context.Context, db *mongo.Database, seq uint64) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	for {
		var cp struct {
			Seq int64 `bson:"seq"`
		}
		err := db.Collection("checkpoints").FindOne(ctx, bson.M{"_id": "events"}).Decode(&cp)
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) && ctx.Err() == nil {
			return err
		}
		if uint64(cp.Seq) >= seq {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("replay checkpoint at %d, want %d: %w", cp.Seq, seq, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// counter is the value of a counter of the default registry: the api runs
// in this process.
func counter(name string) float64 {
	families, _ := prometheus.DefaultGatherer.Gather()
	var v float64
	for _, f := range families {
		if f.GetName() == name {
			for _, m := range f.GetMetric() {
				v += m.GetCounter().GetValue()
			}
		}
	}
	return v
}

// rawUpserts upserts n documents, cycling over the replayed deployment
// documents, one at a time, and returns upserts per second.
func rawUpserts(ctx context.Context, mc *mongo.Client, n int) (float64, error) {
	cur, err := mc.Database("replay").Collection("deployments").Find(ctx, bson.M{})
	if err != nil {
		return 0, err
	}
	var docs []bson.M
	if err := cur.All(ctx, &docs); err != nil {
		return 0, err
	}
	if len(docs) == 0 {
		return 0, errors.New("replay wrote no deployment documents")
	}
	coll := mc.Database(rawDB).Collection("replay")
	began := time.Now()
	for i := range n {
		doc := docs[i%len(docs)]
		doc["seq"] = int64(i)
		if _, err := coll.ReplaceOne(ctx, bson.M{"_id": doc["_id"]}, doc, options.Replace().SetUpsert(true)); err != nil {
			return 0, err
		}
	}
	return float64(n) / time.Since(began).Seconds(), nil
}
