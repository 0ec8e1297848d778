package projector

import (
	"context"
	"sync"
	"time"
)

// Notifier wakes waiters each time the projector applies events, so a
// request waiting for an operation re-reads it at once instead of polling.
type Notifier struct {
	mu      sync.Mutex
	ch      chan struct{}
	applied uint64
	// shown is the last event applied in memory, which the in-memory view
	// shows: ahead of applied (the last one written) by up to one flush.
	shown uint64
	wakes int // broadcasts so far
	// ops are the waiters of single operations, by id: woken only by a
	// flush that wrote their operation, so a thousand waiters cost a
	// thousand reads in all, not a thousand reads per flush.
	ops map[string]*opWaiters
}

type opWaiters struct {
	ch   chan struct{}
	refs int
}

// NewNotifier returns a notifier with nothing applied yet.
func NewNotifier() *Notifier {
	return &Notifier{ch: make(chan struct{}), ops: map[string]*opWaiters{}}
}

// OperationChanged returns a channel closed once a flush wrote operation id
// (or the projector started a term: anything may have changed), and release,
// which the caller must call when it stops waiting on that channel: a waiter
// that gave up leaves nothing behind.
func (n *Notifier) OperationChanged(id string) (<-chan struct{}, func()) {
	n.mu.Lock()
	defer n.mu.Unlock()
	w := n.ops[id]
	if w == nil {
		w = &opWaiters{ch: make(chan struct{})}
		n.ops[id] = w
	}
	w.refs++
	return w.ch, func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		if w.refs--; w.refs == 0 && n.ops[id] == w {
			delete(n.ops, id)
		}
	}
}

// Waiting is how many operations have waiters (for tests).
func (n *Notifier) waiting() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.ops)
}

// Changed returns a channel closed at the next application.
func (n *Notifier) Changed() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.ch
}

// Applied returns the stream sequence of the last event applied.
func (n *Notifier) Applied() uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.applied
}

// WaitWritten returns once the store has every event the view showed when
// it was called, so that a read of the store that follows (a revision, an
// operation, a page of documents) is not older than a deployment the view
// served: one flush at most. It returns early when ctx ends or after limit
// (the store failing): the read then serves what the store has.
func (n *Notifier) WaitWritten(ctx context.Context, limit time.Duration) {
	n.mu.Lock()
	target := n.shown
	n.mu.Unlock()
	n.waitWritten(ctx, target, limit)
}

// waitWritten waits until the store has every event up to target.
func (n *Notifier) waitWritten(ctx context.Context, target uint64, limit time.Duration) {
	var timeout <-chan time.Time
	for {
		n.mu.Lock()
		done, ch := n.applied >= target, n.ch
		n.mu.Unlock()
		if done {
			return
		}
		if timeout == nil {
			t := time.NewTimer(limit)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return
		case <-timeout:
			return
		}
	}
}

// show records that the view shows the events up to seq.
func (n *Notifier) show(seq uint64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.shown = seq
}

// stopped is called when a term ends: what was shown and not written is
// gone with the view, so nobody waits for it.
func (n *Notifier) stopped() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.shown = n.applied
}

// broadcast wakes every waiter: the projector (re)started at seq.
func (n *Notifier) broadcast(seq uint64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.shown = seq
	n.wake(seq)
	for id, w := range n.ops {
		close(w.ch)
		delete(n.ops, id)
	}
}

// flushed wakes the waiters of any change and those of the operations a
// flush up to seq wrote.
func (n *Notifier) flushed(seq uint64, ops []string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.wake(seq)
	for _, id := range ops {
		if w := n.ops[id]; w != nil {
			close(w.ch)
			delete(n.ops, id)
		}
	}
}

func (n *Notifier) wake(seq uint64) {
	n.applied = seq
	n.wakes++
	close(n.ch)
	n.ch = make(chan struct{})
}
