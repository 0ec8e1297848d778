package bus

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// Stream returns a handle on an existing stream, to read its state (Info)
// and stored messages (GetMsg). A missing stream is an error wrapping
// jetstream.ErrStreamNotFound. Consumers are opened through Consumer and
// OrderedConsumer, not through the handle.
func (c *Conn) Stream(ctx context.Context, name string) (jetstream.Stream, error) {
	s, err := c.js.Stream(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", name, err)
	}
	return s, nil
}

// EnsureStream creates the stream cfg describes, or updates an existing one
// to cfg. It is idempotent and safe to race (EnsureTopology declares
// Slipway's streams with it; benchmarks declare their baselines' streams).
// cfg.Replicas 0 means the Conn's count (WithReplicas); an existing stream
// with fewer replicas is raised in place, one with more keeps them.
//
// A declaration the server leaves unanswered is retried (declare).
func (c *Conn) EnsureStream(ctx context.Context, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	var s jetstream.Stream
	want := cfg.Replicas
	err := declare(ctx, func(ctx context.Context) error {
		replicas, err := c.replicasFor(ctx, cfg.Name, want)
		if err != nil {
			return err
		}
		cfg.Replicas = replicas
		s, err = c.js.CreateOrUpdateStream(ctx, cfg)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ensure stream %s: %w", cfg.Name, err)
	}
	return s, nil
}

// Publish stores data on subject as given: no envelope, no trace context,
// no deduplication id unless opts add one. Slipway's services write through
// PublishCommand, Append and PublishEvent; Publish is for benchmarks'
// baselines and for tests storing what no service would. A nil error means
// a stream stored the message (the ack says which sequence).
func (c *Conn) Publish(ctx context.Context, subject string, data []byte, opts ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	ack, err := c.js.Publish(ctx, subject, data, opts...)
	if err != nil {
		return nil, fmt.Errorf("publish to %s: %w", subject, err)
	}
	return ack, nil
}
