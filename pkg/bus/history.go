package bus

import (
	"context"
	"errors"
	"fmt"

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
//
// It reads with batched direct gets (docs/ARCHITECTURE.md, "Reading a
// history"): no consumer, nothing on the server that outlives the call, and
// no stream lookup. The last sequence is that of the last record returned,
// so the records are exactly the history Append's expectation refers to.
func (c *Conn) History(ctx context.Context, subject string) ([]Record, uint64, error) {
	return c.HistoryFrom(ctx, subject, 1)
}

// HistoryFrom reads the events of one subject at or after sequence from, in
// order, as History does: a caller that folded the history up to some
// sequence reads only what came after it. The sequence returned is that of
// the last record, or 0 when there is none at or after from.
func (c *Conn) HistoryFrom(ctx context.Context, subject string, from uint64) ([]Record, uint64, error) {
	var out []Record
	for {
		page, more, err := c.directBatch(ctx, subject, from)
		if err != nil {
			return nil, 0, fmt.Errorf("history %s: %w", subject, err)
		}
		out = append(out, page...)
		if !more || len(page) == 0 {
			break
		}
		from = page[len(page)-1].Seq + 1
	}
	if len(out) == 0 {
		return nil, 0, nil
	}
	return out, out[len(out)-1].Seq, nil
}

// tailGets is how many events HistoryTail reads one direct get each before
// it reads the rest in batches.
const tailGets = 8

// HistoryTail reads the events of one subject from sequence from up to
// its last, whose sequence the caller has (LastSeq): a reader that folded
// the history up to from-1 reads what came since. A few events are read
// one direct get each, stopping at last, so the server neither scans for
// events past it nor counts what is pending (a batch's end does both, at
// a cost that grows with the stream); a longer tail is read in batches.
func (c *Conn) HistoryTail(ctx context.Context, subject string, from, last uint64) ([]Record, error) {
	var out []Record
	for len(out) < tailGets && from <= last {
		rec, ok, err := c.directNext(ctx, subject, from)
		if err != nil {
			return nil, fmt.Errorf("history %s: %w", subject, err)
		}
		if !ok {
			return out, nil
		}
		out = append(out, rec)
		from = rec.Seq + 1
	}
	if from > last {
		return out, nil
	}
	rest, _, err := c.HistoryFrom(ctx, subject, from)
	if err != nil {
		return nil, err
	}
	return append(out, rest...), nil
}

// LastSeq returns the sequence of the last event on a subject (0: none),
// with one direct get.
func (c *Conn) LastSeq(ctx context.Context, subject string) (uint64, error) {
	seq, err := c.directLast(ctx, subject)
	if err != nil {
		return 0, fmt.Errorf("last sequence of %s: %w", subject, err)
	}
	return seq, nil
}

// SubjectCounts returns how many events each subject matching filter holds
// in EVENTS. A history only grows, so an unchanged count means an unchanged
// history: callers cache what they derived from it by the count.
func (c *Conn) SubjectCounts(ctx context.Context, filter string) (map[string]uint64, error) {
	stream, err := c.js.Stream(ctx, events.StreamEvents)
	if err != nil {
		return nil, fmt.Errorf("subjects of %s: %w", filter, err)
	}
	info, err := stream.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return nil, fmt.Errorf("subjects of %s: %w", filter, err)
	}
	return info.State.Subjects, nil
}
