package projector

import "time"

// SetFlushLimits sets when p flushes while catching up: tests force small
// batches with it.
func SetFlushLimits(p *Projector, docs, events int, delay time.Duration) {
	p.limits = limits{docs: docs, events: events, delay: delay} // no linger: every event caught up is flushed
}

// Wakes returns how many times n woke waiters: once per flush.
func Wakes(n *Notifier) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.wakes
}
