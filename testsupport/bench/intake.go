package bench

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/topology"
)

// intakeWorkers is how many clients send at once in the concurrent run.
const intakeWorkers = 8

// runIntake measures PATCH -> 202 (the command durably in COMMANDS and its
// operation recorded) sequentially and from 8 clients, against synchronous
// js.Publish of a message of the same size to a stream configured like
// COMMANDS, on the same NATS. The rollout worker is stopped first, so the
// figure is the intake's alone, not the intake's share of the 2 cores while
// the worker decides and rolls out each command.
func runIntake(ctx context.Context, e *env) ([]Row, error) {
	s, err := e.simStack(ctx, "intake")
	if err != nil {
		return nil, err
	}
	defer func() { _ = s.Close() }()
	c := newClient(s.URL)
	ref := events.DeploymentRef{Owner: "bench", Project: "intake", Name: "scorer"}
	if err := c.create(ctx, ref, map[string]string{"team": "risk"}, spec("ghcr.io/acme/scorer:1.0", 1)); err != nil {
		return nil, err
	}
	if err := s.StopWorker(); err != nil {
		return nil, err
	}
	conn, err := bus.Connect(ctx, s.NATSURL, "bench-intake")
	if err != nil {
		return nil, err
	}
	defer conn.Close()

	n := e.pick(200, 1000)
	var key atomic.Int64
	patch := func(ctx context.Context) error {
		i := key.Add(1)
		_, err := c.patch(ctx, ref, "bench-"+strconv.FormatInt(i, 10),
			map[string]any{"env": map[string]string{"BENCH_N": strconv.FormatInt(i, 10)}}, "")
		return err
	}
	if _, err := measure(ctx, 20, 1, patch); err != nil { // warm up
		return nil, err
	}
	payload, err := lastCommandSize(ctx, conn)
	if err != nil {
		return nil, err
	}
	publish, err := rawPublisher(ctx, conn, payload)
	if err != nil {
		return nil, err
	}
	if _, err := measure(ctx, 20, 1, publish); err != nil {
		return nil, err
	}
	bounds, err := intakeBounds(ctx, s, c, ref, n)
	if err != nil {
		return nil, err
	}
	var rows []Row
	for _, workers := range []int{1, intakeWorkers} {
		label := "sequential"
		if workers > 1 {
			label = fmt.Sprintf("%d clients", workers)
		}
		raw, err := measure(ctx, n, workers, publish)
		if err != nil {
			return nil, err
		}
		var slip run
		err = e.profile("intake-"+label, func() error {
			slip, err = measure(ctx, n, workers, patch)
			return err
		})
		if err != nil {
			return nil, err
		}
		rows = append(rows,
			Row{Benchmark: "intake " + label + ": throughput", Slipway: slip.rate(), Baseline: raw.rate(), Unit: "req/s",
				Target: atLeastRatio(0.5),
				Note: fmt.Sprintf("%d PATCHes (202, no ?wait) vs %d js.Publish of %d B; worker stopped; %s",
					n, n, len(payload), bounds)},
			Row{Benchmark: "intake " + label + ": p50", Slipway: slip.lat.quantile(0.5), Baseline: raw.lat.quantile(0.5), Unit: "ms"},
			Row{Benchmark: "intake " + label + ": p99", Slipway: slip.lat.quantile(0.99), Baseline: raw.lat.quantile(0.99), Unit: "ms"})
	}
	return rows, nil
}

// intakeBounds measures, sequentially, the two parts of a PATCH that no
// JetStream publish has: an HTTP round trip to the api (GET /healthz) and
// the read of the deployment's read-model document (driver FindOne by id on
// the same FerretDB), which the api does to validate the patch.
func intakeBounds(ctx context.Context, s *Stack, c *client, ref events.DeploymentRef, n int) (string, error) {
	mc, err := mongo.Connect(options.Client().ApplyURI(s.MongoURI).SetTimeout(10 * time.Second))
	if err != nil {
		return "", err
	}
	defer func() { _ = mc.Disconnect(context.Background()) }()
	coll := mc.Database(s.MongoDB).Collection("deployments")
	find, err := measure(ctx, n, 1, func(ctx context.Context) error {
		var doc bson.M
		return coll.FindOne(ctx, bson.M{"_id": ref.String()}).Decode(&doc)
	})
	if err != nil {
		return "", err
	}
	health, err := measure(ctx, n, 1, func(ctx context.Context) error {
		code, _, _, err := c.do(ctx, http.MethodGet, "/healthz", nil, nil)
		if err == nil && code != http.StatusOK {
			err = fmt.Errorf("GET /healthz: %d", code)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("in this run, sequentially: driver FindOne of the deployment's document %.0f/s, GET /healthz %.0f/s",
		find.rate(), health.rate()), nil
}

// lastCommandSize returns a payload as long as the last command stored.
func lastCommandSize(ctx context.Context, conn *bus.Conn) ([]byte, error) {
	stream, err := conn.Stream(ctx, events.StreamCommands)
	if err != nil {
		return nil, err
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return nil, err
	}
	msg, err := stream.GetMsg(ctx, info.State.LastSeq)
	if err != nil {
		return nil, err
	}
	return make([]byte, len(msg.Data)), nil
}

// rawPublisher makes a stream like COMMANDS on other subjects and returns
// a synchronous publish of payload to it.
func rawPublisher(ctx context.Context, conn *bus.Conn, payload []byte) (func(context.Context) error, error) {
	cfg := topology.CommandsStream()
	cfg.Name, cfg.Subjects, cfg.Description = "BENCH_RAW", []string{"bench.raw.>"}, "slipway-bench baseline"
	if _, err := conn.EnsureStream(ctx, cfg); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		_, err := conn.Publish(ctx, "bench.raw.cmd", payload, jetstream.WithExpectStream(cfg.Name))
		return err
	}, nil
}

// run is a measured batch: each call's latency and the wall time of all.
type run struct {
	lat  latencies
	wall time.Duration
}

// rate is calls per second.
func (r run) rate() float64 { return float64(len(r.lat)) / r.wall.Seconds() }

// measure calls fn n times from workers goroutines and times each call.
func measure(ctx context.Context, n, workers int, fn func(context.Context) error) (run, error) {
	lat := make(latencies, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	began := time.Now()
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				t := time.Now()
				if err := fn(ctx); err != nil {
					errs <- err
					return
				}
				lat[i] = time.Since(t)
			}
		})
	}
	wg.Wait()
	r := run{lat: lat, wall: time.Since(began)}
	select {
	case err := <-errs:
		return r, err
	default:
		return r, ctx.Err()
	}
}
