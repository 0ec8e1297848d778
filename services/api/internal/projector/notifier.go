package projector

import "sync"

// Notifier wakes waiters each time the projector applies events, so a
// request waiting for an operation re-reads it at once instead of polling.
type Notifier struct {
	mu      sync.Mutex
	ch      chan struct{}
	applied uint64
	wakes   int // broadcasts so far
}

// NewNotifier returns a notifier with nothing applied yet.
func NewNotifier() *Notifier { return &Notifier{ch: make(chan struct{})} }

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

func (n *Notifier) broadcast(seq uint64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.applied = seq
	n.wakes++
	close(n.ch)
	n.ch = make(chan struct{})
}
