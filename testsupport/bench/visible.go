package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/topology"
)

// visibleDocs is how many deployments the events of the visibility
// benchmark are spread over.
const visibleDocs = 4

// rawDB is the database of the raw baselines.
const rawDB = "bench_raw"

// runVisible appends events at steady rates to the histories of running
// deployments and times each until GET shows it (the ETag's sequence
// reaches it), against a raw pipeline on the same NATS and FerretDB: publish
// to a stream, an ordered consumer that upserts the same document, and a
// driver FindOne. Each rate gets a new stack, so both start from fresh
// SQLite files.
func runVisible(ctx context.Context, e *env) ([]Row, error) {
	var rows []Row
	for _, rate := range []float64{50, 200} {
		more, err := visibleAt(ctx, e, rate)
		if rows = append(rows, more...); err != nil {
			return rows, err
		}
	}
	return rows, nil
}

func visibleAt(ctx context.Context, e *env, rate float64) ([]Row, error) {
	s, err := e.simStack(ctx, fmt.Sprintf("visible-%.0f", rate))
	if err != nil {
		return nil, err
	}
	defer func() { _ = s.Close() }()
	c := newClient(s.URL)
	refs, err := createFleet(ctx, c, "visible", visibleDocs)
	if err != nil {
		return nil, err
	}
	conn, err := bus.Connect(ctx, s.NATSURL, "bench-visible")
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	mc, err := mongo.Connect(options.Client().ApplyURI(s.MongoURI).SetTimeout(10 * time.Second))
	if err != nil {
		return nil, err
	}
	defer func() { _ = mc.Disconnect(context.Background()) }()
	slipway, err := slipwayPipeline(ctx, c, conn, refs)
	if err != nil {
		return nil, err
	}
	raw, err := rawPipeline(ctx, conn, mc, s.MongoDB, refs)
	if err != nil {
		return nil, err
	}
	d := time.Duration(e.pick(3, 10)) * time.Second
	var slat latencies
	var srate float64
	err = e.profile(fmt.Sprintf("visible-%.0f", rate), func() (err error) {
		slat, srate, err = steady(ctx, slipway, visibleDocs, rate, d)
		return err
	})
	if err != nil {
		return nil, err
	}
	swal := s.walMB(s.MongoDB)
	rlat, rrate, err := steady(ctx, raw, visibleDocs, rate, d)
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("event -> visible in GET @%.0f/s", rate)
	p99 := Row{Benchmark: name + ": p99", Slipway: slat.quantile(0.99), Baseline: rlat.quantile(0.99), Unit: "ms"}
	if rate == 200 {
		p99.Target = atMost(100, "ms")
	}
	return []Row{{Benchmark: name + ": p50", Slipway: slat.quantile(0.5), Baseline: rlat.quantile(0.5), Unit: "ms",
		Note: fmt.Sprintf("%d events over %s (%.0f/s achieved; raw %.0f/s) on %d deployments, each GET-polled every %s; "+
			"baseline: publish -> ordered consumer -> ReplaceOne upsert -> FindOne; SQLite WAL at the end: %.1f MB (raw: %.1f MB)",
			len(slat), d, srate, rrate, visibleDocs, pollGap, swal, s.walMB(rawDB))},
		p99}, nil
}

// slipwayPipeline appends RolloutProgressed events and reads the version
// GET answers (the ETag), sending If-None-Match as a polling client would.
func slipwayPipeline(ctx context.Context, c *client, conn *bus.Conn, refs []events.DeploymentRef) (pipeline, error) {
	a, err := newAppender(ctx, conn, refs)
	if err != nil {
		return pipeline{}, err
	}
	etags := make([]string, len(refs)) // each index is read by one goroutine only
	return pipeline{
		put: a.append,
		get: func(ctx context.Context, i int) (uint64, error) {
			h := http.Header{}
			if etags[i] != "" {
				h.Set("If-None-Match", etags[i])
			}
			code, hdr, b, err := c.do(ctx, http.MethodGet, deploymentPath(refs[i]), h, nil)
			if err != nil {
				return 0, err
			}
			if code != http.StatusOK && code != http.StatusNotModified {
				return 0, fmt.Errorf("GET %s: %d %s", refs[i], code, b)
			}
			if code == http.StatusOK {
				etags[i] = hdr.Get("ETag")
			}
			return etagSequence(etags[i])
		},
	}, nil
}

// rawPipeline publishes the same envelopes to a stream configured like
// EVENTS; one ordered consumer decodes each and upserts a copy of the
// deployment's read-model document carrying the sequence; a reader finds it
// by id with the driver.
func rawPipeline(ctx context.Context, conn *bus.Conn, mc *mongo.Client, db string, refs []events.DeploymentRef) (pipeline, error) {
	docs := make([]bson.M, len(refs))
	for i, ref := range refs {
		if err := mc.Database(db).Collection("deployments").FindOne(ctx, bson.M{"_id": ref.String()}).Decode(&docs[i]); err != nil {
			return pipeline{}, fmt.Errorf("read model of %s: %w", ref, err)
		}
		docs[i]["_id"] = "raw-" + strconv.Itoa(i)
	}
	coll := mc.Database(rawDB).Collection("visible")
	cfg := topology.EventsStream()
	cfg.Name, cfg.Subjects, cfg.Description = "BENCH_VIS", []string{"bench.vis.>"}, "slipway-bench baseline"
	if _, err := conn.EnsureStream(ctx, cfg); err != nil {
		return pipeline{}, err
	}
	cons, err := conn.OrderedConsumer(ctx, cfg.Name, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return pipeline{}, err
	}
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		meta, err := msg.Metadata()
		if err != nil {
			return
		}
		i, _ := strconv.Atoi(strings.TrimPrefix(msg.Subject(), "bench.vis."))
		var env events.Envelope
		if json.Unmarshal(msg.Data(), &env) != nil || i >= len(docs) {
			return
		}
		doc := bson.M{}
		for k, v := range docs[i] {
			doc[k] = v
		}
		doc["seq"], doc["updatedAt"] = int64(meta.Sequence.Stream), env.Time
		_, _ = coll.ReplaceOne(context.Background(), bson.M{"_id": doc["_id"]}, doc, options.Replace().SetUpsert(true))
	})
	if err != nil {
		return pipeline{}, err
	}
	go func() { <-ctx.Done(); cc.Stop() }()
	n := 0
	return pipeline{
		put: func(ctx context.Context, i int) (uint64, error) {
			n++
			env, err := progressEnvelope(refs[i], n)
			if err != nil {
				return 0, err
			}
			data, err := env.Marshal()
			if err != nil {
				return 0, err
			}
			ack, err := conn.Publish(ctx, "bench.vis."+strconv.Itoa(i), data)
			if err != nil {
				return 0, err
			}
			return ack.Sequence, nil
		},
		get: func(ctx context.Context, i int) (uint64, error) {
			var doc bson.M // the whole document, as GET reads it
			err := coll.FindOne(ctx, bson.M{"_id": "raw-" + strconv.Itoa(i)}).Decode(&doc)
			if errors.Is(err, mongo.ErrNoDocuments) {
				return 0, nil
			}
			seq, _ := doc["seq"].(int64)
			return uint64(seq), err
		},
	}, nil
}
