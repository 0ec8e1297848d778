package bench

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
)

// Probe settings: how many deployments are read while a fleet changes,
// how often, and the pause between two list pages.
const (
	probeDeployments = 10
	probeGap         = 50 * time.Millisecond
	listGap          = 100 * time.Millisecond
)

// listPage is the fleet list page the probes read (the api's default page).
const listPage = "/v1/deployments"

// probes read the api while a fleet changes: GET of a few deployments
// (latency, and when each new ETag first shows, against the stored time of
// the event with that sequence: event -> visible lag) and the first page of
// the fleet list (latency).
type probes struct {
	mu       sync.Mutex
	get      latencies
	list     latencies
	lag      latencies
	failures int // non-2xx answers and transport errors
	wg       sync.WaitGroup
	done     chan struct{}
}

// startProbes reads until stop. A request under way when stop is called
// finishes: cancelling it would make the api log an error of the harness's
// making.
func startProbes(ctx context.Context, c *client, natsURL string, refs []events.DeploymentRef) (*probes, error) {
	conn, err := bus.Connect(ctx, natsURL, "bench-probes")
	if err != nil {
		return nil, err
	}
	stream, err := conn.Stream(ctx, events.StreamEvents)
	if err != nil {
		conn.Close()
		return nil, err
	}
	p := &probes{done: make(chan struct{})}
	step := max(1, len(refs)/probeDeployments)
	for i := 0; i < len(refs) && i/step < probeDeployments; i += step {
		p.wg.Go(func() { p.readOne(ctx, c, stream, refs[i]) })
	}
	p.wg.Go(func() { p.readList(ctx, c) })
	go func() { p.wg.Wait(); conn.Close() }()
	return p, nil
}

func (p *probes) readOne(ctx context.Context, c *client, stream jetstream.Stream, ref events.DeploymentRef) {
	var seen uint64
	for p.pause(ctx, probeGap) {
		began := time.Now()
		code, h, _, err := c.do(ctx, http.MethodGet, deploymentPath(ref), nil, nil)
		at := time.Now()
		if ctx.Err() != nil {
			return
		}
		p.mu.Lock()
		if err != nil || code != http.StatusOK {
			p.failures++
			p.mu.Unlock()
			continue
		}
		p.get = append(p.get, at.Sub(began))
		p.mu.Unlock()
		seq, err := etagSequence(h.Get("ETag"))
		if err != nil || seq <= seen {
			continue
		}
		first := seen == 0
		seen = seq
		if first {
			continue // the state before the probes started
		}
		// A direct read of one message by sequence: no consumer.
		msg, err := stream.GetMsg(ctx, seq)
		if err != nil {
			continue
		}
		p.mu.Lock()
		p.lag = append(p.lag, at.Sub(msg.Time))
		p.mu.Unlock()
	}
}

func (p *probes) readList(ctx context.Context, c *client) {
	for p.pause(ctx, listGap) {
		began := time.Now()
		code, _, _, err := c.do(ctx, http.MethodGet, listPage, nil, nil)
		if ctx.Err() != nil {
			return
		}
		p.mu.Lock()
		if err != nil || code != http.StatusOK {
			p.failures++
		} else {
			p.list = append(p.list, time.Since(began))
		}
		p.mu.Unlock()
	}
}

// pause waits d and says whether to go on.
func (p *probes) pause(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-p.done:
		return false
	case <-time.After(d):
		return true
	}
}

// stop stops the readers and waits until each finished its request.
func (p *probes) stop() {
	close(p.done)
	p.wg.Wait()
}
