package health

import "fmt"

// Window decides when a status has settled, by N-of-M voting over the latest
// samples: a transition to key K is due when the latest sample is K, at least
// N of the last M samples are K, and K is not the published key. A status
// seen for fewer than N samples is never reported, and neither is one that
// flaps with another unless it holds N of M. The zero value is not usable;
// use NewWindow.
type Window struct {
	n         int
	recent    []Key // the last M samples, oldest overwritten first
	next      int   // where the next sample goes in recent
	filled    int   // how many samples recent holds, at most M
	published Key
}

// NewWindow returns a window over the last m samples needing n of them;
// 1 <= n <= m.
func NewWindow(n, m int) (*Window, error) {
	if n < 1 || m < n {
		return nil, fmt.Errorf("health window %d/%d: want 1 <= N <= M", n, m)
	}
	return &Window{n: n, recent: make([]Key, m)}, nil
}

// Observe records a sample.
func (w *Window) Observe(k Key) {
	w.recent[w.next] = k
	w.next = (w.next + 1) % len(w.recent)
	w.filled = min(w.filled+1, len(w.recent))
}

// Due returns the transition due now, as the published key it leaves
// (the zero Key when nothing was published) and the key it goes to. The
// transition stays due until Published records the new key.
func (w *Window) Due() (from, to Key, ok bool) {
	if w.filled == 0 {
		return Key{}, Key{}, false
	}
	latest := w.recent[(w.next+len(w.recent)-1)%len(w.recent)]
	if latest == w.published {
		return Key{}, Key{}, false
	}
	votes := 0
	for _, k := range w.recent[:w.filled] {
		if k == latest {
			votes++
		}
	}
	if votes < w.n {
		return Key{}, Key{}, false
	}
	return w.published, latest, true
}

// Published records the key last published: after publishing a due
// transition, or, after a restart, the one the history records.
func (w *Window) Published(k Key) { w.published = k }

// Last returns the key last published.
func (w *Window) Last() Key { return w.published }

// Settled reports whether further samples with the latest key can make no
// transition: the latest sample is the published key. A window with a
// different latest key (a transition pending its N votes, or due and not
// yet published) needs further samples.
func (w *Window) Settled() bool {
	if w.filled == 0 {
		return false
	}
	return w.recent[(w.next+len(w.recent)-1)%len(w.recent)] == w.published
}
