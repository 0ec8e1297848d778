package faults

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
)

// Unanswered is a command that got neither a 2xx nor a 4xx after the
// client's retries, and whether the system holds it all the same.
type Unanswered struct {
	Kind, Path, Key string
	// OperationID is the operation the api derives from Key.
	OperationID string
	// Committed says COMMANDS, the intake's record (a nil error from the
	// intake means the command is stored there), holds the command;
	// CommittedAt is when the stream stored it.
	Committed   bool
	CommittedAt time.Time
	Attempts    []Attempt
}

// restartMargin is how long after an api restart or the store's return an
// attempt still counts as made while they were down: the new api connects
// to NATS and the store before it answers.
const restartMargin = 5 * time.Second

// commandScope is the idempotency scope of every command the schedule
// sends: its deployments' owner/project (a promotion's is its target's).
const commandScope = "acme/fraud"

// classify lists the commands of ops with no 2xx or 4xx answer (but those
// the schedule's end cut short, which the client did not give up on), each
// marked committed or not from what COMMANDS holds, their attempts marked
// from the fault log.
func classify(ctx context.Context, observer *bus.Conn, ops []Op, faults []Injected) ([]Unanswered, error) {
	for _, op := range ops {
		if id := op.Answer.OperationID; id != "" && op.Answer.Key != "" && id != events.KeyedOperationID(commandScope, op.Answer.Key) {
			return nil, fmt.Errorf("%s %s (key %s) was answered with operation %s, not %s as derived (events.KeyedOperationID): the scope is not the one the api used",
				op.Kind, op.Path, op.Answer.Key, id, events.KeyedOperationID(commandScope, op.Answer.Key))
		}
	}
	stored, err := commandTimes(ctx, observer)
	if err != nil {
		return nil, err
	}
	var out []Unanswered
	for _, op := range ops {
		if op.Answer.answered() || op.Answer.Cut || op.Answer.Key == "" {
			continue
		}
		u := Unanswered{Kind: op.Kind, Path: op.Path, Key: op.Answer.Key, OperationID: events.KeyedOperationID(commandScope, op.Answer.Key),
			Attempts: markDown(op.Answer.Attempts, faults)}
		u.CommittedAt, u.Committed = stored[u.OperationID]
		out = append(out, u)
	}
	return out, nil
}

// commandTimes reads COMMANDS: when each command (by envelope id, the
// operation's) was stored.
func commandTimes(ctx context.Context, conn *bus.Conn) (map[string]time.Time, error) {
	s, err := conn.Stream(ctx, events.StreamCommands)
	if err != nil {
		return nil, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("commands info: %w", err)
	}
	out := map[string]time.Time{}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("command %d: %w", seq, err)
		}
		env, err := events.Unmarshal(m.Data)
		if err != nil {
			return nil, fmt.Errorf("command %d: %w", seq, err)
		}
		if _, seen := out[env.ID]; !seen {
			out[env.ID] = m.Time
		}
	}
	return out, nil
}

// markDown sets each attempt's During (the faults in place at some moment
// of it) and Down (the api killed or the store stopped, up to
// restartMargin after they came back).
func markDown(attempts []Attempt, faults []Injected) []Attempt {
	out := slices.Clone(attempts)
	for i, a := range out {
		out[i].During, out[i].Down = nil, false
		for _, f := range faults {
			end := f.At.Add(f.Lasted)
			outage := f.Kind == FaultAPIKilled || f.Kind == FaultStoreStopped
			if outage {
				end = end.Add(restartMargin)
			}
			if a.Start.After(end) || a.End.Before(f.At) {
				continue
			}
			out[i].During = append(out[i].During, f.Kind)
			out[i].Down = out[i].Down || outage
		}
	}
	return out
}

// String is the attempt as a violation shows it: start, status or error,
// and the faults in place.
func (a Attempt) String() string {
	s := a.Start.Format("15:04:05.000") + " "
	if a.Status == 0 {
		s += "no answer (" + brief(a.Err) + ")"
	} else {
		s += fmt.Sprint(a.Status)
	}
	if len(a.During) > 0 {
		s += " during " + strings.Join(a.During, ", ")
	}
	return s
}
