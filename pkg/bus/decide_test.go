package bus_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/embedded/embeddedtest"
	"slipway.dev/pkg/events"
)

// tokens is a test state: the HealthChanged.To values in a history, in order.
type tokens struct{ seen []string }

func (s tokens) has(tok string) bool {
	for _, t := range s.seen {
		if t == tok {
			return true
		}
	}
	return false
}

func foldTokens(records []bus.Record) tokens {
	var s tokens
	for _, r := range records {
		if h, ok := r.Message.(events.HealthChanged); ok {
			s.seen = append(s.seen, h.To)
		}
	}
	return s
}

var ids atomic.Int64

// tokenLoop appends each of want that the history lacks, in order, each
// attempt with a fresh id: only the decision keeps an event from repeating.
func tokenLoop(b *bus.Conn, subject string, want ...string) bus.Loop[tokens] {
	return bus.Loop[tokens]{
		Subject: subject,
		Load: func(ctx context.Context) (tokens, uint64, error) {
			records, last, err := b.History(ctx, subject)
			return foldTokens(records), last, err
		},
		Decide: func(s tokens) ([]bus.Decided, error) {
			var out []bus.Decided
			for _, tok := range want {
				if !s.has(tok) {
					out = append(out, bus.Decided{Message: events.HealthChanged{To: tok},
						Meta: events.Meta{ID: fmt.Sprintf("ev-%d", ids.Add(1)), Source: "/test", Time: time.Now()}})
				}
			}
			return out, nil
		},
		Apply: func(s *tokens, r bus.Record) { s.seen = append(s.seen, r.Message.(events.HealthChanged).To) },
	}
}

// TestLoopConcurrentDeciders: deciders racing on one history each get their
// decision appended exactly once, in the order decided.
func TestLoopConcurrentDeciders(t *testing.T) {
	b, url := embeddedtest.NATS(t)
	subject := events.DeploymentSubject(ref)
	const deciders = 8
	var wg sync.WaitGroup
	errs := make(chan error, deciders)
	for i := range deciders {
		conn, err := bus.Connect(t.Context(), url, fmt.Sprint("decider-", i))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(conn.Close)
		wg.Go(func() {
			st, appended, err := tokenLoop(conn, subject, fmt.Sprintf("%d-a", i), fmt.Sprintf("%d-b", i)).Run(t.Context(), conn)
			if err == nil && (!st.has(fmt.Sprintf("%d-a", i)) || !st.has(fmt.Sprintf("%d-b", i)) || len(appended) != 2) {
				err = fmt.Errorf("decider %d: state %v, appended %d", i, st.seen, len(appended))
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	records, _, err := b.History(t.Context(), subject)
	if err != nil {
		t.Fatal(err)
	}
	at := map[string]int{}
	for i, tok := range foldTokens(records).seen {
		if _, dup := at[tok]; dup {
			t.Fatalf("%s appended twice", tok)
		}
		at[tok] = i
	}
	for i := range deciders {
		a, okA := at[fmt.Sprintf("%d-a", i)]
		bb, okB := at[fmt.Sprintf("%d-b", i)]
		if !okA || !okB || a > bb {
			t.Fatalf("decider %d: a at %d (%v), b at %d (%v); want both, a first", i, a, okA, bb, okB)
		}
	}
	if len(at) != 2*deciders {
		t.Fatalf("history holds %d events, want %d", len(at), 2*deciders)
	}
}

// TestLoopNothingDecided: a decision of nothing appends nothing.
func TestLoopNothingDecided(t *testing.T) {
	b, _ := embeddedtest.NATS(t)
	subject := events.DeploymentSubject(ref)
	appendHealth(t, b, subject, 1)
	before, _ := b.LastSeq(t.Context(), subject)
	loop := tokenLoop(b, subject, "0") // appendHealth wrote To "0"
	if _, appended, err := loop.Run(t.Context(), b); err != nil || len(appended) != 0 {
		t.Fatalf("Run = %d appended, %v; want none", len(appended), err)
	}
	if after, _ := b.LastSeq(t.Context(), subject); after != before {
		t.Fatalf("last sequence %d after deciding nothing, was %d", after, before)
	}
}

// TestLoopDuplicateDecidesAgain: an event whose id is stored already is not
// stored twice; the loop reloads, and the decision on the history that holds
// it is nothing.
func TestLoopDuplicateDecidesAgain(t *testing.T) {
	b, _ := embeddedtest.NATS(t)
	subject := events.DeploymentSubject(ref)
	appendHealth(t, b, subject, 1)
	last, _ := b.LastSeq(t.Context(), subject)
	env, _ := events.Wrap(events.HealthChanged{To: "x"}, events.Meta{ID: "fixed", Source: "/test", Time: time.Now()})
	if _, err := b.Append(t.Context(), subject, env, last); err != nil {
		t.Fatal(err)
	}
	last, _ = b.LastSeq(t.Context(), subject)
	loop := tokenLoop(b, subject, "x")
	decide := loop.Decide
	loop.Decide = func(s tokens) ([]bus.Decided, error) {
		out, err := decide(s)
		for i := range out {
			out[i].Meta.ID = "fixed"
		}
		return out, err
	}
	// A state that misses "x" at the right sequence: the append is a duplicate.
	st, appended, err := loop.RunFrom(t.Context(), b, tokens{}, last)
	if err != nil || len(appended) != 0 || !st.has("x") {
		t.Fatalf("RunFrom = state %v, %d appended, %v; want the reloaded state and nothing appended", st.seen, len(appended), err)
	}
	if after, _ := b.LastSeq(t.Context(), subject); after != last {
		t.Fatalf("last sequence %d, want %d: the duplicate was stored", after, last)
	}
}

// TestLoopAttemptsBounded: a history that moves under every decision ends
// in ErrAttemptsExhausted after DecideAttempts decisions.
func TestLoopAttemptsBounded(t *testing.T) {
	b, _ := embeddedtest.NATS(t)
	subject := events.DeploymentSubject(ref)
	loop := tokenLoop(b, subject, "mine")
	decide := loop.Decide
	decisions := 0
	loop.Decide = func(s tokens) ([]bus.Decided, error) {
		decisions++
		appendHealth(t, b, subject, 1) // another writer gets there first, every time
		return decide(s)
	}
	_, appended, err := loop.Run(t.Context(), b)
	if !errors.Is(err, bus.ErrAttemptsExhausted) || len(appended) != 0 || decisions != bus.DecideAttempts {
		t.Fatalf("Run = %d appended after %d decisions, %v; want ErrAttemptsExhausted after %d", len(appended), decisions, err, bus.DecideAttempts)
	}
}

// TestLoopStopsWithItsContext: a cancelled context decides nothing.
func TestLoopStopsWithItsContext(t *testing.T) {
	b, _ := embeddedtest.NATS(t)
	subject := events.DeploymentSubject(ref)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, _, err := tokenLoop(b, subject, "mine").RunFrom(ctx, b, tokens{}, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("RunFrom with a cancelled context: %v", err)
	}
	if last, _ := b.LastSeq(t.Context(), subject); last != 0 {
		t.Fatalf("appended at %d with a cancelled context", last)
	}
}
