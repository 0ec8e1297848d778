package bus

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// Consumer creates the durable consumer cfg describes on stream, or updates
// an existing one to cfg, and returns it. It is idempotent: every replica of
// a service calls it at start and they share the one consumer (its
// cfg.Durable name), which keeps its delivery state across restarts.
func (c *Conn) Consumer(ctx context.Context, stream string, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	cons, err := c.js.CreateOrUpdateConsumer(ctx, stream, cfg)
	if err != nil {
		return nil, fmt.Errorf("ensure consumer %s on %s: %w", cfg.Durable, stream, err)
	}
	return cons, nil
}

// OrderedConsumer opens an ordered consumer on stream: one reader's view of
// the stored messages in order, recreated by the client on any gap. It is
// ephemeral, but stopping its iteration does not delete it on the server
// (it lingers until its inactivity threshold): a caller that opens many
// deletes each when done with DeleteConsumer(stream, CachedInfo().Name).
func (c *Conn) OrderedConsumer(ctx context.Context, stream string, cfg jetstream.OrderedConsumerConfig) (jetstream.Consumer, error) {
	cons, err := c.js.OrderedConsumer(ctx, stream, cfg)
	if err != nil {
		return nil, fmt.Errorf("ordered consumer on %s: %w", stream, err)
	}
	return cons, nil
}

// DeleteConsumer deletes the named consumer of stream. A consumer that is
// not there (deleted already, or expired) is an error wrapping
// jetstream.ErrConsumerNotFound.
func (c *Conn) DeleteConsumer(ctx context.Context, stream, name string) error {
	if err := c.js.DeleteConsumer(ctx, stream, name); err != nil {
		return fmt.Errorf("delete consumer %s on %s: %w", name, stream, err)
	}
	return nil
}
