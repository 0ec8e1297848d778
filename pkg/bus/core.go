package bus

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"
)

// Core NATS: request and reply between replicas (nothing stored), and the
// connection's state.

// Request sends data to subject and waits for the first reply until ctx
// ends. No listener is an error wrapping nats.ErrNoResponders, returned at
// once rather than at the deadline.
func (c *Conn) Request(ctx context.Context, subject string, data []byte) (*nats.Msg, error) {
	msg, err := c.nc.RequestWithContext(ctx, subject, data)
	if err != nil {
		return nil, fmt.Errorf("request %s: %w", subject, err)
	}
	return msg, nil
}

// Subscribe calls handle with each message published to subject (a
// request's replier answers with msg.Respond) until the subscription is
// unsubscribed or the connection closes. handle runs on the subscription's
// one goroutine: a slow handler hands its work to another.
func (c *Conn) Subscribe(subject string, handle nats.MsgHandler) (*nats.Subscription, error) {
	sub, err := c.nc.Subscribe(subject, handle)
	if err != nil {
		return nil, fmt.Errorf("subscribe to %s: %w", subject, err)
	}
	return sub, nil
}

// MaxPayload is the largest message the server accepts, in bytes, as it
// announced on connecting (0 before the first connection).
func (c *Conn) MaxPayload() int64 { return c.nc.MaxPayload() }

// Connected says whether the connection is up now (false while it
// reconnects after losing the server).
func (c *Conn) Connected() bool { return c.nc.IsConnected() }
