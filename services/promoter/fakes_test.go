package promoter

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
)

// write is one append or publish the promoter asked for, whether the
// stream stored it or deduplicated it: what a delivery did.
type write struct {
	Op      string // "append" to EVENTS or "publish" to COMMANDS
	Subject string
	Type    string
	Reason  string // a CommandRejected's reason
}

// fakeLog is the EVENTS and COMMANDS streams in memory, with the JetStream
// rules the promoter relies on: an append names the subject's last sequence
// it expects (bus.ErrConflict otherwise), and an envelope id stored already
// is a duplicate, not stored twice (on both streams).
type fakeLog struct {
	seq        uint64
	events     []stored
	commands   []stored
	ids        map[string]uint64
	writes     []write
	historyErr error // every History fails with it when set
	// beforeAppend, when set, runs once before the next append is stored:
	// another writer's append to the same history.
	beforeAppend func()
}

type stored struct {
	subject string
	rec     bus.Record
}

func newFakeLog() *fakeLog { return &fakeLog{ids: map[string]uint64{}} }

var _ eventLog = (*fakeLog)(nil)

func (f *fakeLog) History(_ context.Context, subject string) ([]bus.Record, uint64, error) {
	if f.historyErr != nil {
		return nil, 0, fmt.Errorf("history %s: %w", subject, f.historyErr)
	}
	var out []bus.Record
	for _, s := range f.events {
		if s.subject == subject {
			out = append(out, s.rec)
		}
	}
	if len(out) == 0 {
		return nil, 0, nil
	}
	return out, out[len(out)-1].Seq, nil
}

func (f *fakeLog) Append(_ context.Context, subject string, env events.Envelope, expectedLastSeq uint64) (bus.Published, error) {
	f.writes = append(f.writes, writeOf("append", subject, env))
	if before := f.beforeAppend; before != nil {
		f.beforeAppend = nil
		before()
	}
	if seq, ok := f.ids[env.ID]; ok {
		return bus.Published{Seq: seq, Duplicate: true}, nil
	}
	if last := f.lastSeq(subject); last != expectedLastSeq {
		return bus.Published{}, fmt.Errorf("append %s to %s at %d (last %d): %w", env.Type, subject, expectedLastSeq, last, bus.ErrConflict)
	}
	rec, err := f.store(env)
	if err != nil {
		return bus.Published{}, err
	}
	f.events = append(f.events, stored{subject, rec})
	return bus.Published{Seq: rec.Seq}, nil
}

func (f *fakeLog) PublishCommand(_ context.Context, subject string, env events.Envelope) (bus.Published, error) {
	f.writes = append(f.writes, writeOf("publish", subject, env))
	if seq, ok := f.ids[env.ID]; ok {
		return bus.Published{Seq: seq, Duplicate: true}, nil
	}
	rec, err := f.store(env)
	if err != nil {
		return bus.Published{}, err
	}
	f.commands = append(f.commands, stored{subject, rec})
	return bus.Published{Seq: rec.Seq}, nil
}

// seed appends msg to subject's history as another service would have.
func (f *fakeLog) seed(subject string, msg events.Message) error {
	return f.seedAs(fmt.Sprintf("seed-%d", f.seq+1), subject, msg)
}

// seedAs is seed with the envelope id given.
func (f *fakeLog) seedAs(id, subject string, msg events.Message) error {
	env, err := events.Wrap(msg, events.Meta{ID: id, Source: "/test", Time: time.Now()})
	if err != nil {
		return err
	}
	rec, err := f.store(env)
	if err != nil {
		return err
	}
	f.events = append(f.events, stored{subject, rec})
	return nil
}

func (f *fakeLog) store(env events.Envelope) (bus.Record, error) {
	msg, err := env.Decode()
	if err != nil {
		return bus.Record{}, err
	}
	f.seq++
	f.ids[env.ID] = f.seq
	return bus.Record{Seq: f.seq, Envelope: env, Message: msg}, nil
}

func (f *fakeLog) lastSeq(subject string) uint64 {
	var last uint64
	for _, s := range f.events {
		if s.subject == subject {
			last = s.rec.Seq
		}
	}
	return last
}

// published returns the commands stored on subject, decoded.
func (f *fakeLog) published(subject string) []events.Message {
	var out []events.Message
	for _, s := range f.commands {
		if s.subject == subject {
			out = append(out, s.rec.Message)
		}
	}
	return out
}

func writeOf(op, subject string, env events.Envelope) write {
	w := write{Op: op, Subject: subject, Type: env.Type}
	if m, err := env.Decode(); err == nil {
		if r, ok := m.(events.CommandRejected); ok {
			w.Reason = r.Reason
		}
	}
	return w
}

// fakeMsg is one delivery of a command; settled says how the handler
// settled it: ack, nak or term.
type fakeMsg struct {
	data    []byte
	settled string
}

var _ jetstream.Msg = (*fakeMsg)(nil)

var errNotUsed = errors.New("not used by the promoter")

func (m *fakeMsg) Metadata() (*jetstream.MsgMetadata, error) { return nil, errNotUsed }
func (m *fakeMsg) Data() []byte                              { return m.data }
func (m *fakeMsg) Headers() nats.Header                      { return nats.Header{} }
func (m *fakeMsg) Subject() string                           { return "" }
func (m *fakeMsg) Reply() string                             { return "" }
func (m *fakeMsg) Ack() error                                { return m.settle("ack") }
func (m *fakeMsg) DoubleAck(context.Context) error           { return m.settle("ack") }
func (m *fakeMsg) Nak() error                                { return m.settle("nak") }
func (m *fakeMsg) NakWithDelay(time.Duration) error          { return m.settle("nak") }
func (m *fakeMsg) InProgress() error                         { return nil }
func (m *fakeMsg) Term() error                               { return m.settle("term") }
func (m *fakeMsg) TermWithReason(string) error               { return m.settle("term") }

func (m *fakeMsg) settle(how string) error {
	if m.settled != "" {
		return fmt.Errorf("settled twice: %s, then %s", m.settled, how)
	}
	m.settled = how
	return nil
}
