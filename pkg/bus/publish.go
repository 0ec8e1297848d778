package bus

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/telemetry"
)

// Published says where a message landed.
type Published struct {
	Seq uint64
	// Duplicate is true when the stream already held a message with this
	// Nats-Msg-Id; Seq is then that first message's sequence.
	Duplicate bool
}

// PublishCommand appends a command to COMMANDS with the envelope id as
// Nats-Msg-Id, so a retry within the idempotency window is stored once.
// A nil error means the command is durably stored.
func (c *Conn) PublishCommand(ctx context.Context, subject string, env events.Envelope) (Published, error) {
	ctx, span := telemetry.Tracer("slipway/bus").Start(ctx, "publish "+env.Type, trace.WithSpanKind(trace.SpanKindProducer))
	defer span.End()
	msg, err := message(ctx, subject, env)
	if err != nil {
		return Published{}, err
	}
	ack, err := c.js.PublishMsg(ctx, msg, jetstream.WithMsgID(env.ID), jetstream.WithExpectStream(events.StreamCommands))
	if err != nil {
		return Published{}, fmt.Errorf("publish %s: %w", env.Type, err)
	}
	return Published{Seq: ack.Sequence, Duplicate: ack.Duplicate}, nil
}

// Append adds an event to a history, but only if the subject's last sequence
// is still expectedLastSeq (0: the subject is empty). ErrConflict otherwise.
func (c *Conn) Append(ctx context.Context, subject string, env events.Envelope, expectedLastSeq uint64) (Published, error) {
	ctx, span := telemetry.Tracer("slipway/bus").Start(ctx, "append "+env.Type, trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(attribute.String("messaging.destination.name", subject)))
	defer span.End()
	msg, err := message(ctx, subject, env)
	if err != nil {
		return Published{}, err
	}
	ack, err := c.js.PublishMsg(ctx, msg, jetstream.WithMsgID(env.ID),
		jetstream.WithExpectStream(events.StreamEvents), jetstream.WithExpectLastSequencePerSubject(expectedLastSeq))
	if err != nil {
		if isWrongLastSequence(err) {
			return Published{}, fmt.Errorf("append %s to %s at %d: %w", env.Type, subject, expectedLastSeq, ErrConflict)
		}
		return Published{}, fmt.Errorf("append %s to %s: %w", env.Type, subject, err)
	}
	return Published{Seq: ack.Sequence, Duplicate: ack.Duplicate}, nil
}

// PublishEvent appends an event that belongs to no history with an
// expected sequence (access decisions), deduplicated by envelope id.
func (c *Conn) PublishEvent(ctx context.Context, subject string, env events.Envelope) (Published, error) {
	msg, err := message(ctx, subject, env)
	if err != nil {
		return Published{}, err
	}
	ack, err := c.js.PublishMsg(ctx, msg, jetstream.WithMsgID(env.ID), jetstream.WithExpectStream(events.StreamEvents))
	if err != nil {
		return Published{}, fmt.Errorf("publish %s to %s: %w", env.Type, subject, err)
	}
	return Published{Seq: ack.Sequence, Duplicate: ack.Duplicate}, nil
}

func message(ctx context.Context, subject string, env events.Envelope) (*nats.Msg, error) {
	data, err := env.Marshal()
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", env.Type, err)
	}
	msg := nats.NewMsg(subject)
	msg.Data = data
	msg.Header.Set("Ce-Type", env.Type)
	telemetry.Inject(ctx, msg.Header)
	return msg, nil
}
