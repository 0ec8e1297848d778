package bus

import (
	"context"
	"errors"
	"fmt"

	"slipway.dev/pkg/events"
)

// DecideAttempts bounds how often a Loop decides before it gives up: every
// writer of a history retries conflicts by this one rule.
const DecideAttempts = 20

// ErrAttemptsExhausted means the history kept moving under a Loop for
// DecideAttempts decisions in a row; nothing more was appended. The caller
// may try again later (a command is redelivered, a health transition stays
// due).
var ErrAttemptsExhausted = errors.New("bus: history kept changing; decide attempts exhausted")

// Decided is one event a decision appends: its payload and the attributes
// of its envelope. Meta.ID is its Nats-Msg-Id: deterministic where a retry
// or a second delivery must not append it twice.
type Decided struct {
	Message events.Message
	Meta    events.Meta
}

// Appender is what a Loop appends through: a *Conn, or a service test's fake
// of the EVENTS stream. Append's contract is Conn.Append's: ErrConflict when
// the subject moved from expectedLastSeq, and Published.Duplicate when an
// event with env.ID is stored already.
type Appender interface {
	Append(ctx context.Context, subject string, env events.Envelope, expectedLastSeq uint64) (Published, error)
}

// Loop is the load → fold → decide → append routine every history writer
// uses (docs/ARCHITECTURE.md, "Concurrency").
//
// Contract: the events Decide returns are appended in order, each with the
// subject's expected last sequence, so they follow from exactly the history
// they were decided on. When another writer appended meanwhile (ErrConflict)
// or an event's id is stored already (a duplicate: the history moved, or this
// decision was taken before), the loop reloads and decides again; Decide must
// therefore be a function of the state that returns nothing for what the
// state already holds. At most DecideAttempts decisions, then
// ErrAttemptsExhausted; the context is checked before each.
type Loop[S any] struct {
	Subject string
	// Load folds the subject's history: the state and the subject's last
	// sequence (0: empty).
	Load func(ctx context.Context) (S, uint64, error)
	// Decide returns the events that follow from the state; none: nothing
	// to append, and the loop ends.
	Decide func(S) ([]Decided, error)
	// Apply folds an appended event into the state; nil if the caller does
	// not need the state to include it.
	Apply func(*S, Record)
}

// Run loads the state and appends what is decided on it. It returns the
// final state and the events this call appended (not the duplicates).
func (l Loop[S]) Run(ctx context.Context, c Appender) (S, []Record, error) {
	st, last, err := l.Load(ctx)
	if err != nil {
		return st, nil, err
	}
	return l.RunFrom(ctx, c, st, last)
}

// RunFrom is Run on a state the caller has loaded already (at last): the
// first decision costs no read.
func (l Loop[S]) RunFrom(ctx context.Context, c Appender, st S, last uint64) (S, []Record, error) {
	var appended []Record
	for attempt := 0; attempt < DecideAttempts; attempt++ {
		if err := ctx.Err(); err != nil {
			return st, appended, err
		}
		if attempt > 0 {
			fresh, at, err := l.Load(ctx)
			if err != nil {
				return st, appended, err
			}
			st, last = fresh, at
		}
		decided, err := l.Decide(st)
		if err != nil {
			return st, appended, err
		}
		moved := false
		for _, d := range decided {
			rec, err := appendOne(ctx, c, l.Subject, d, last)
			if errors.Is(err, ErrConflict) || errors.Is(err, errDuplicate) {
				moved = true
				break
			}
			if err != nil {
				return st, appended, err
			}
			last = rec.Seq
			if l.Apply != nil {
				l.Apply(&st, rec)
			}
			appended = append(appended, rec)
		}
		if !moved {
			return st, appended, nil
		}
	}
	return st, appended, fmt.Errorf("append to %s: %d decisions: %w", l.Subject, DecideAttempts, ErrAttemptsExhausted)
}

// errDuplicate is an append the stream deduplicated: an event with its id
// is stored already, elsewhere than where this decision expected it.
var errDuplicate = errors.New("bus: duplicate event id")

func appendOne(ctx context.Context, c Appender, subject string, d Decided, last uint64) (Record, error) {
	env, err := events.Wrap(d.Message, d.Meta)
	if err != nil {
		return Record{}, err
	}
	pub, err := c.Append(ctx, subject, env, last)
	if err != nil {
		return Record{}, err
	}
	if pub.Duplicate {
		return Record{}, fmt.Errorf("append %s to %s: %w", env.ID, subject, errDuplicate)
	}
	return Record{Seq: pub.Seq, Envelope: env, Message: d.Message}, nil
}
