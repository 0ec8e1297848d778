package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/events"
)

// Record is one stored event with its stream sequence.
type Record struct {
	Seq      uint64
	Envelope events.Envelope
	// Message is nil for a type this build does not know (written by a newer
	// version); folds skip it rather than fail.
	Message events.Message
}

// Decode turns a stored JetStream message into a Record.
func Decode(seq uint64, data []byte) (Record, error) {
	env, err := events.Unmarshal(data)
	if err != nil {
		return Record{}, fmt.Errorf("event %d: %w", seq, err)
	}
	msg, err := env.Decode()
	if err != nil && !errors.Is(err, events.ErrUnknownType) {
		return Record{}, fmt.Errorf("event %d: %w", seq, err)
	}
	return Record{Seq: seq, Envelope: env, Message: msg}, nil
}

// History reads every event of one subject in order and returns them with
// the subject's last sequence, the value to pass to Append as expected.
func (c *Conn) History(ctx context.Context, subject string) ([]Record, uint64, error) {
	stream, err := c.JS.Stream(ctx, events.StreamEvents)
	if err != nil {
		return nil, 0, fmt.Errorf("history %s: %w", subject, err)
	}
	last, err := stream.GetLastMsgForSubject(ctx, subject)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("history %s: last message: %w", subject, err)
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{subject}, DeliverPolicy: jetstream.DeliverAllPolicy})
	if err != nil {
		return nil, 0, fmt.Errorf("history %s: consumer: %w", subject, err)
	}
	var out []Record
	for {
		batch, err := cons.FetchNoWait(256)
		if err != nil {
			return nil, 0, fmt.Errorf("history %s: fetch: %w", subject, err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			meta, err := m.Metadata()
			if err != nil {
				return nil, 0, fmt.Errorf("history %s: %w", subject, err)
			}
			rec, err := Decode(meta.Sequence.Stream, m.Data())
			if err != nil {
				return nil, 0, err
			}
			out = append(out, rec)
			if rec.Seq >= last.Sequence {
				return out, rec.Seq, nil
			}
		}
		if err := batch.Error(); err != nil {
			return nil, 0, fmt.Errorf("history %s: %w", subject, err)
		}
		if got == 0 {
			select { // the consumer is still being set up; ask again shortly
			case <-ctx.Done():
				return nil, 0, ctx.Err()
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
}

// LastSeq returns the sequence of the last event on a subject (0: none).
func (c *Conn) LastSeq(ctx context.Context, subject string) (uint64, error) {
	stream, err := c.JS.Stream(ctx, events.StreamEvents)
	if err != nil {
		return 0, fmt.Errorf("last sequence of %s: %w", subject, err)
	}
	last, err := stream.GetLastMsgForSubject(ctx, subject)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("last sequence of %s: %w", subject, err)
	}
	return last.Sequence, nil
}

// SubjectCounts returns how many events each subject matching filter holds
// in EVENTS. A history only grows, so an unchanged count means an unchanged
// history: callers cache what they derived from it by the count.
func (c *Conn) SubjectCounts(ctx context.Context, filter string) (map[string]uint64, error) {
	stream, err := c.JS.Stream(ctx, events.StreamEvents)
	if err != nil {
		return nil, fmt.Errorf("subjects of %s: %w", filter, err)
	}
	info, err := stream.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return nil, fmt.Errorf("subjects of %s: %w", filter, err)
	}
	return info.State.Subjects, nil
}
