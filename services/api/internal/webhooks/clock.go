package webhooks

import "time"

// Clock is the dispatcher's time: when attempts are due and what they are
// stamped with. Tests pass a fake to run a schedule of hours at once.
type Clock interface {
	Now() time.Time
	// At returns a channel that receives once Now reaches t (at once when
	// it has). An absolute time, so a fake moved on between reading Now and
	// asking cannot make the wait longer.
	At(t time.Time) <-chan time.Time
}

// wallClock is the real time. A wait given up (the sender woke for
// something else) costs nothing: time.After's timer is collected once its
// channel is dropped (Go 1.23 and later).
type wallClock struct{}

func (wallClock) Now() time.Time                  { return time.Now() }
func (wallClock) At(t time.Time) <-chan time.Time { return time.After(time.Until(t)) }
