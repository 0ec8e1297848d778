package projector

import (
	"testing"
	"time"
)

// TestFlushAtLingersOnlyWhenEventsKeepComing: a caught-up projector writes
// an event that came alone at once (a lone command is visible as soon as it
// can be), but one that came right after a flush waits for more up to
// linger, so that a fleet's events are written in a few bulks rather than
// one flush each; catching up, the delay and size limits rule.
func TestFlushAtLingersOnlyWhenEventsKeepComing(t *testing.T) {
	l := limits{docs: 10, events: 20, delay: 200 * time.Millisecond, linger: 50 * time.Millisecond}
	t0 := time.Date(2026, 12, 7, 4, 0, 0, 0, time.UTC)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	for _, tc := range []struct {
		name      string
		flushedAt time.Time // the last flush ended
		since     time.Time // the first unflushed event
		events    int
		pending   uint64
		now, want time.Time
	}{
		{"alone: long after the last flush", ms(0), ms(500), 1, 0, ms(500), ms(500)},
		{"alone: never flushed before", time.Time{}, ms(500), 1, 0, ms(500), ms(500)},
		{"right after a flush: linger", ms(490), ms(500), 1, 0, ms(500), ms(550)},
		{"still lingering: the first event rules", ms(490), ms(500), 3, 0, ms(530), ms(550)},
		{"lingered enough", ms(490), ms(500), 3, 0, ms(551), ms(551)},
		{"catching up: the delay", ms(0), ms(500), 5, 7, ms(510), ms(700)},
		{"catching up past the delay", ms(0), ms(500), 5, 7, ms(701), ms(701)},
		{"too many events: at once", ms(490), ms(500), 20, 0, ms(501), ms(501)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWriteBehind()
			w.flushedAt, w.since, w.events = tc.flushedAt, tc.since, tc.events
			if got := w.flushAt(l, tc.pending, tc.now); !got.Equal(tc.want) {
				t.Fatalf("flush at +%v, want +%v", got.Sub(t0), tc.want.Sub(t0))
			}
		})
	}
}
