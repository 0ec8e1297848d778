// Package eventfeed reads stored events for subscribers: each subscription
// is its own ordered JetStream consumer starting after a given sequence,
// deleted on the server as soon as the subscription stops. A feed holds at
// most a configured number of subscriptions at once, so the consumers an api
// process holds are bounded by its configuration, not by its clients.
package eventfeed

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
)

// ErrTooManySubscriptions means the feed holds its maximum number of
// subscriptions: the caller may try again once one has stopped.
var ErrTooManySubscriptions = errors.New("eventfeed: too many open event subscriptions")

// DefaultMaxSubscriptions is the cap of a feed made with a cap of 0 or less.
const DefaultMaxSubscriptions = 200

// deleteTimeout bounds deleting a stopped subscription's consumer; the
// request that opened it is usually gone by then.
const deleteTimeout = 5 * time.Second

// Feed opens subscriptions on EVENTS.
type Feed struct {
	bus   *bus.Conn
	slots chan struct{}
}

// New returns a feed on the bus holding at most max subscriptions at once
// (DefaultMaxSubscriptions if max <= 0).
func New(b *bus.Conn, max int) *Feed {
	if max <= 0 {
		max = DefaultMaxSubscriptions
	}
	return &Feed{bus: b, slots: make(chan struct{}, max)}
}

// Iterator yields events of one subscription in stream order.
type Iterator struct {
	it   jetstream.MessagesContext
	cons jetstream.Consumer
	bus  *bus.Conn
	once sync.Once
	free func()
}

// Events subscribes to subject (wildcards allowed) from the event after
// afterSeq. ErrTooManySubscriptions when the feed is full. The caller must
// Stop the iterator.
func (f *Feed) Events(ctx context.Context, subject string, afterSeq uint64) (*Iterator, error) {
	select {
	case f.slots <- struct{}{}:
	default:
		return nil, fmt.Errorf("subscribe to %s: %w (%d)", subject, ErrTooManySubscriptions, cap(f.slots))
	}
	free := func() { <-f.slots }
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}, DeliverPolicy: jetstream.DeliverAllPolicy}
	if afterSeq > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, afterSeq+1
	}
	cons, err := f.bus.OrderedConsumer(ctx, events.StreamEvents, cfg)
	if err != nil {
		free()
		return nil, fmt.Errorf("subscribe to %s: %w", subject, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(256))
	if err != nil {
		free()
		return nil, fmt.Errorf("subscribe to %s: %w", subject, err)
	}
	return &Iterator{it: it, cons: cons, bus: f.bus, free: free}, nil
}

// Open is how many subscriptions the feed holds now.
func (f *Feed) Open() int { return len(f.slots) }

// LastSeq is the sequence of the newest stored event (0: none).
func (f *Feed) LastSeq(ctx context.Context) (uint64, error) {
	s, err := f.bus.Stream(ctx, events.StreamEvents)
	if err != nil {
		return 0, fmt.Errorf("events stream: %w", err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("events stream: %w", err)
	}
	return info.State.LastSeq, nil
}

// Next blocks for the next event; an error means the subscription ended.
func (i *Iterator) Next() (uint64, []byte, error) {
	msg, err := i.it.Next()
	if err != nil {
		return 0, nil, err
	}
	meta, err := msg.Metadata()
	if err != nil {
		return 0, nil, err
	}
	return meta.Sequence.Stream, msg.Data(), nil
}

// Stop ends the subscription: a blocked Next returns an error, the consumer
// is deleted on the server before Stop returns (rather than lingering until
// its inactivity threshold), and the feed's slot is free again. Stopping
// twice is stopping once.
func (i *Iterator) Stop() {
	i.once.Do(func() {
		defer i.free()
		i.it.Stop()
		info := i.cons.CachedInfo()
		if info == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), deleteTimeout)
		defer cancel()
		// Not found: the server dropped it already (a reset replaced it, or it
		// expired); any other failure leaves it to its inactivity threshold.
		_ = i.bus.DeleteConsumer(ctx, events.StreamEvents, info.Name)
	})
}
