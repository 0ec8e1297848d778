package webhooks_test

import (
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"slipway.dev/services/api/internal/webhooks"
)

// fakeClock is a webhooks.Clock that moves only when the test sets it.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) At(t time.Time) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if !t.After(c.now) {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, waiter{at: t, ch: ch})
	return ch
}

// set moves the clock to t and wakes every wait that has come.
func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(t) {
			kept = append(kept, w)
			continue
		}
		w.ch <- t
	}
	c.waiters = kept
}

// TestReceiverDownTenMinutesGetsEveryDelivery: with the default schedule
// (immediately, 5 s, 5 min, 30 min, …) a receiver that answers 503 for its
// first 10 minutes gets each delivery at 0, 5 s and 5 min 5 s (refused),
// then at 35 min 5 s (accepted). The dispatcher is replaced by another
// (a restart, or a handover of the lease) after the second attempt: the
// new one continues the stored schedule instead of starting it again.
func TestReceiverDownTenMinutesGetsEveryDelivery(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := &fakeClock{now: t0}
	f := newFixture(t, webhooks.Retry{})
	f.cfg.Clock = clock
	backAt := t0.Add(10 * time.Minute)
	rcv := newReceiver(t, func(int) int {
		if clock.Now().Before(backAt) {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	d1, stop1 := f.start()
	sub := subscribe(t, d1, rcv.URL, "slipway.deployment.rollout_*")
	const n = 3
	for i := range n {
		f.publish("evt-"+strconv.Itoa(i), failed(i+1))
	}
	d := d1
	// attemptsAre waits until every delivery has had k attempts and is in state.
	attemptsAre := func(k int, state string) []webhooks.Delivery {
		t.Helper()
		var log []webhooks.Delivery
		eventually(t, strconv.Itoa(k)+" attempts of each delivery, "+state, func() bool {
			log = deliveries(t, d, sub.ID)
			if len(log) != n {
				return false
			}
			for _, dl := range log {
				if dl.Attempts != k || dl.State != state {
					return false
				}
			}
			return true
		})
		return log
	}
	nextAt := func(log []webhooks.Delivery, want time.Time) {
		t.Helper()
		for _, dl := range log {
			if dl.NextAttemptAt == nil || !dl.NextAttemptAt.Equal(want) {
				t.Fatalf("delivery %s: next attempt at %v, want %s", dl.ID, dl.NextAttemptAt, want)
			}
		}
	}

	nextAt(attemptsAre(1, webhooks.StatePending), t0.Add(5*time.Second))
	clock.set(t0.Add(5 * time.Second))
	nextAt(attemptsAre(2, webhooks.StatePending), t0.Add(5*time.Minute+5*time.Second))

	stop1()
	d, _ = f.start()
	clock.set(t0.Add(5*time.Minute + 5*time.Second))
	nextAt(attemptsAre(3, webhooks.StatePending), t0.Add(35*time.Minute+5*time.Second))
	clock.set(t0.Add(35*time.Minute + 5*time.Second))
	attemptsAre(4, webhooks.StateDelivered)

	// Each delivery was attempted exactly at the schedule's times.
	want := []int64{t0.Unix(), t0.Add(5 * time.Second).Unix(), t0.Add(5*time.Minute + 5*time.Second).Unix(), t0.Add(35*time.Minute + 5*time.Second).Unix()}
	times := map[string][]int64{}
	for _, r := range rcv.requests() {
		ts, err := strconv.ParseInt(r.header.Get("webhook-timestamp"), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		times[r.header.Get("webhook-id")] = append(times[r.header.Get("webhook-id")], ts)
	}
	if len(times) != n {
		t.Fatalf("%d deliveries reached the receiver, want %d", len(times), n)
	}
	for id, got := range times {
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("delivery %s attempted at %v, want %v", id, got, want)
		}
	}
}
