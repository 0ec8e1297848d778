// Package eventfeed reads stored events for subscribers: each subscription
// is its own ordered JetStream consumer starting after a given sequence.
package eventfeed

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
)

// Feed opens subscriptions on EVENTS.
type Feed struct {
	bus *bus.Conn
}

// New returns a feed on the bus.
func New(b *bus.Conn) *Feed { return &Feed{bus: b} }

// Iterator yields events of one subscription in stream order.
type Iterator struct {
	it jetstream.MessagesContext
}

// Events subscribes to subject (wildcards allowed) from the event after afterSeq.
func (f *Feed) Events(ctx context.Context, subject string, afterSeq uint64) (*Iterator, error) {
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}, DeliverPolicy: jetstream.DeliverAllPolicy}
	if afterSeq > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, afterSeq+1
	}
	cons, err := f.bus.JS.OrderedConsumer(ctx, events.StreamEvents, cfg)
	if err != nil {
		return nil, fmt.Errorf("subscribe to %s: %w", subject, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(256))
	if err != nil {
		return nil, fmt.Errorf("subscribe to %s: %w", subject, err)
	}
	return &Iterator{it: it}, nil
}

// LastSeq is the sequence of the newest stored event (0: none).
func (f *Feed) LastSeq(ctx context.Context) (uint64, error) {
	s, err := f.bus.JS.Stream(ctx, events.StreamEvents)
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

// Stop ends the subscription; a blocked Next returns an error.
func (i *Iterator) Stop() { i.it.Stop() }
