// Package bus is Slipway's use of NATS JetStream: connecting, declaring the
// streams, publishing commands idempotently, appending events with
// optimistic concurrency, and reading a deployment's history.
package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/topology"
)

// Conn is a NATS connection with its JetStream context. Both stay inside
// the package: callers use Conn's methods, each of which states what it
// does on the server, so what Slipway asks of NATS is all in this package.
type Conn struct {
	nc *nats.Conn
	js jetstream.JetStream
	// replicas is how many copies of each stream and bucket this Conn
	// declares (EnsureStream, EnsureKeyValue): 1 unless WithReplicas says.
	replicas int
}

// Option configures a Conn.
type Option func(*Conn)

// WithReplicas makes the Conn declare every stream and bucket with n
// replicas (on n nodes of a JetStream cluster), and raise an existing one
// that has fewer. n below 1 means 1.
func WithReplicas(n int) Option {
	return func(c *Conn) { c.replicas = max(n, 1) }
}

// Connect dials NATS and keeps reconnecting for the life of the process, so a
// NATS restart pauses Slipway instead of killing it. url may list several
// servers separated by commas (the nodes of a cluster): the client connects
// to any, learns the others from the cluster, and moves to another when its
// node goes away, with what it had subscribed.
func Connect(ctx context.Context, url, name string, opts ...Option) (*Conn, error) {
	nc, err := nats.Connect(url, nats.Name(name), nats.MaxReconnects(-1), nats.ReconnectWait(500*time.Millisecond),
		nats.Timeout(5*time.Second), nats.RetryOnFailedConnect(false))
	if err != nil {
		return nil, fmt.Errorf("connect nats %s: %w", Redacted(url), err)
	}
	js, err := jetstream.New(nc, jetstream.WithDefaultTimeout(10*time.Second))
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	c := &Conn{nc: nc, js: js, replicas: 1}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Close drains the connection: in-flight messages are delivered or acked first.
func (c *Conn) Close() {
	if err := c.nc.Drain(); err != nil {
		c.nc.Close()
	}
}

// EnsureTopology creates or updates the streams and buckets every service
// relies on. Every service calls it at start, so start order does not matter.
func (c *Conn) EnsureTopology(ctx context.Context) error {
	for _, cfg := range []jetstream.StreamConfig{topology.CommandsStream(), topology.EventsStream()} {
		if _, err := c.EnsureStream(ctx, cfg); err != nil {
			return err
		}
	}
	for _, kv := range []jetstream.KeyValueConfig{topology.OperationsBucket(), topology.TargetsBucket(), topology.TargetStatusBucket(), topology.RolloutSlotsBucket(), topology.LeasesBucket()} {
		if _, err := c.EnsureKeyValue(ctx, kv); err != nil {
			return err
		}
	}
	return nil
}

// Sentinel errors of the bus.
var (
	// ErrConflict means another writer appended to the subject since the
	// caller read it: reload the history and decide again.
	ErrConflict = errors.New("bus: concurrent append to the same history")
)

func isWrongLastSequence(err error) bool {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
			apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant
	}
	return false
}
