// Package historytest is an in-memory stand-in for deployments' histories
// (internal/history), for the tests of the actors that read and append
// them.
package historytest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"slipway.dev/pkg/events"
	"slipway.dev/services/rollout-worker/internal/rollout"
)

// Memory holds deployments' histories and appends to them as the bus
// does: a decision is taken on the history as it is (decided again when it
// moved since the caller's state was folded), and once ctx ends every call
// fails with ctx's error. A decision that repeats an event id the history
// holds fails with ErrDuplicate: on the bus it would be decided again and
// again until bus.ErrAttemptsExhausted, as deciders must return nothing for
// what the history holds. Safe for concurrent use.
type Memory struct {
	mu       sync.Mutex
	evs      map[events.DeploymentRef][]rollout.Event
	ids      map[string]bool
	appended []events.Message
	// OnAppend, when set, is called (without Memory's lock) with each event
	// appended through Append, after it is stored.
	OnAppend func(events.Message)
}

// ErrDuplicate: a decision repeated an event the history holds.
var ErrDuplicate = errors.New("historytest: the decision repeats an event id the history holds")

// New returns empty histories.
func New() *Memory {
	return &Memory{evs: map[events.DeploymentRef][]rollout.Event{}, ids: map[string]bool{}}
}

// Add appends msgs to ref's history as another writer would (they are not
// among Appended); each is named by its type, caused by cause (may be "").
func (m *Memory) Add(ref events.DeploymentRef, cause string, msgs ...events.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, msg := range msgs {
		meta := events.Meta{ID: ref.String() + "/" + msg.Type(), Actor: "user:test", CorrelationID: "op-test", CausationID: cause}
		if _, err := m.store(ref, msg, meta); err != nil {
			return err
		}
	}
	return nil
}

func (m *Memory) store(ref events.DeploymentRef, msg events.Message, meta events.Meta) (rollout.Event, error) {
	meta.Source, meta.Subject, meta.Time = "/test", ref.String(), time.Now().UTC()
	env, err := events.Wrap(msg, meta)
	if err != nil {
		return rollout.Event{}, err
	}
	e := rollout.Event{Seq: uint64(len(m.evs[ref]) + 1), Envelope: env, Message: msg}
	m.evs[ref] = append(m.evs[ref], e)
	m.ids[meta.ID] = true
	return e, nil
}

// Load folds ref's history.
func (m *Memory) Load(ctx context.Context, ref events.DeploymentRef) (rollout.State, error) {
	if err := ctx.Err(); err != nil {
		return rollout.State{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return rollout.Fold(m.evs[ref]), nil
}

// LastSeq returns the sequence of ref's last event (0: none).
func (m *Memory) LastSeq(ctx context.Context, ref events.DeploymentRef) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return uint64(len(m.evs[ref])), nil
}

// Append appends what decide returns against st, folding each event into
// st, with the contract of history.Deployments.Append.
func (m *Memory) Append(ctx context.Context, st *rollout.State, ref events.DeploymentRef, meta events.Meta,
	decide func(rollout.State) []events.Message, id func(events.Message) string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	if st.LastSeq != uint64(len(m.evs[ref])) {
		*st = rollout.Fold(m.evs[ref]) // the history moved: decide on it as it is
	}
	var added []events.Message
	for _, msg := range decide(*st) {
		mt := meta
		mt.ID = id(msg)
		if m.ids[mt.ID] {
			m.mu.Unlock()
			return fmt.Errorf("%w: %s", ErrDuplicate, mt.ID)
		}
		e, err := m.store(ref, msg, mt)
		if err != nil {
			m.mu.Unlock()
			return err
		}
		st.Apply(e)
		added = append(added, msg)
	}
	m.appended = append(m.appended, added...)
	m.mu.Unlock()
	if m.OnAppend != nil {
		for _, msg := range added {
			m.OnAppend(msg)
		}
	}
	return nil
}

// Appended returns the events appended through Append, in order.
func (m *Memory) Appended() []events.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]events.Message(nil), m.appended...)
}

// AppendedTypes returns the types of the events appended through Append.
func (m *Memory) AppendedTypes() []string {
	var out []string
	for _, msg := range m.Appended() {
		out = append(out, msg.Type())
	}
	return out
}

// Events returns ref's history.
func (m *Memory) Events(ref events.DeploymentRef) []rollout.Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]rollout.Event(nil), m.evs[ref]...)
}
