package webhooks

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// sender attempts one subscription's deliveries. From the moment it is
// handed a delivery it is the only writer of its document. Attempts run in
// their own goroutines, at most Concurrency at once, and report back: the
// sender never waits on a receiver, so a receiver that hangs holds only its
// own slots, and other subscriptions' senders never see it.
type sender struct {
	d      *Dispatcher
	sub    string
	ctx    context.Context
	cancel context.CancelFunc

	mu    sync.Mutex
	inbox []inboxMsg
	wake  chan struct{}

	// Owned by run.
	queue    deliveryQueue // pending deliveries, earliest next attempt first
	inflight map[string]*flight
	results  chan attemptResult
}

// inboxMsg hands a new or resumed delivery to the sender, or, with reply,
// asks for a redelivery.
type inboxMsg struct {
	dl    Delivery
	reply chan Delivery
}

type flight struct {
	dl      Delivery
	requeue bool // a redelivery was asked while the attempt ran
}

type attemptResult struct {
	id     string
	at     time.Time
	status int
	err    error
}

func newSender(d *Dispatcher, sub string) *sender {
	ctx, cancel := context.WithCancel(d.runCtx)
	return &sender{d: d, sub: sub, ctx: ctx, cancel: cancel, wake: make(chan struct{}, 1),
		queue: deliveryQueue{byID: map[string]*queued{}}, inflight: map[string]*flight{}, results: make(chan attemptResult)}
}

// enqueue hands a delivery to the sender without waiting.
func (s *sender) enqueue(dl Delivery) { s.post(inboxMsg{dl: dl}) }

// redeliver asks the sender to attempt dl again now and returns it as queued.
func (s *sender) redeliver(ctx context.Context, dl Delivery) (Delivery, error) {
	reply := make(chan Delivery, 1)
	s.post(inboxMsg{dl: dl, reply: reply})
	select {
	case out := <-reply:
		return out, nil
	case <-ctx.Done():
		return Delivery{}, fmt.Errorf("%w: redeliver %s: %v", errUnavailable, dl.ID, ctx.Err())
	case <-s.ctx.Done():
		return Delivery{}, fmt.Errorf("%w: webhook %s is stopping", errUnavailable, s.sub)
	}
}

func (s *sender) post(m inboxMsg) {
	s.mu.Lock()
	s.inbox = append(s.inbox, m)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run schedules attempts until the sender is cancelled. Attempts in flight
// then are cancelled; their deliveries stay pending and resume at the next
// start.
func (s *sender) run() {
	for {
		s.launchDue()
		var due <-chan time.Time
		if next, ok := s.queue.next(); ok && len(s.inflight) < s.d.concurrency {
			due = s.d.clock.At(next)
		}
		select {
		case <-s.ctx.Done():
			return
		case <-s.wake:
			s.drain()
		case r := <-s.results:
			s.finish(r)
		case <-due:
		}
	}
}

// launchDue starts the attempts that are due, up to the concurrency bound.
func (s *sender) launchDue() {
	for len(s.inflight) < s.d.concurrency {
		next, ok := s.queue.next()
		if !ok || next.After(s.d.clock.Now()) {
			return
		}
		dl := s.queue.pop()
		rec, ok := s.d.subs.lookup(s.sub)
		if !ok {
			continue // deleted; the dispatcher stops this sender
		}
		s.inflight[dl.ID] = &flight{dl: dl}
		go func() {
			r := s.d.attempt(s.ctx, rec, dl)
			select {
			case s.results <- r:
			case <-s.ctx.Done():
			}
		}()
	}
}

func (s *sender) drain() {
	s.mu.Lock()
	msgs := s.inbox
	s.inbox = nil
	s.mu.Unlock()
	for _, m := range msgs {
		if m.reply != nil {
			m.reply <- s.requeue(m.dl)
			continue
		}
		if _, busy := s.inflight[m.dl.ID]; !busy && !s.queue.has(m.dl.ID) {
			s.queue.push(m.dl)
		}
	}
}

// requeue makes a delivery due now, starting the retry schedule again. One in flight
// is sent again when its attempt ends.
func (s *sender) requeue(dl Delivery) Delivery {
	if f, ok := s.inflight[dl.ID]; ok {
		f.requeue = true
		return f.dl
	}
	if q, ok := s.queue.get(dl.ID); ok {
		dl = q
	}
	s.makeDue(&dl)
	s.save(dl)
	s.queue.push(dl)
	return dl
}

func (s *sender) makeDue(dl *Delivery) {
	now := s.d.clock.Now().UTC().Truncate(time.Millisecond)
	dl.State, dl.NextAttemptAt, dl.RetryFrom = StatePending, &now, dl.Attempts
}

// finish records an attempt's outcome: delivered, dead when the schedule is
// spent, or pending with the next attempt at the schedule's next wait.
func (s *sender) finish(r attemptResult) {
	f, ok := s.inflight[r.id]
	if !ok {
		return
	}
	delete(s.inflight, r.id)
	dl := f.dl
	at := r.at.UTC().Truncate(time.Millisecond)
	dl.Attempts++
	dl.LastAttemptAt, dl.LastStatus, dl.LastError = &at, r.status, ""
	if r.err != nil {
		dl.LastError = truncate(r.err.Error(), 500)
	}
	delivered := r.err == nil && r.status >= 200 && r.status < 300
	if delivered {
		dl.DeliveredAt = &at
	}
	wait, retry := s.d.retry.Delay(dl.Attempts - dl.RetryFrom)
	switch {
	case f.requeue:
		s.makeDue(&dl)
	case delivered:
		dl.State, dl.NextAttemptAt = StateDelivered, nil
	case !retry:
		dl.State, dl.NextAttemptAt = StateDead, nil
		s.d.log.Info("webhook delivery dead-lettered", "webhook", s.sub, "delivery", dl.ID, "attempts", dl.Attempts,
			"status", r.status, "err", dl.LastError)
	default:
		next := s.d.clock.Now().Add(wait).UTC().Truncate(time.Millisecond)
		dl.State, dl.NextAttemptAt = StatePending, &next
	}
	s.save(dl)
	if dl.State == StatePending {
		s.queue.push(dl)
	}
}

// save writes the document, retrying a little; a write that still fails
// leaves the previous state, which at worst sends the delivery again after
// a restart (deliveries are at least once).
func (s *sender) save(dl Delivery) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), 30*time.Second)
	defer cancel()
	for try := 1; ; try++ {
		err := s.d.store.put(ctx, dl)
		if err == nil {
			return
		}
		if try == 3 {
			s.d.log.Error("webhooks: writing a delivery failed", "delivery", dl.ID, "err", err)
			return
		}
		time.Sleep(time.Duration(try) * 200 * time.Millisecond)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
