package access

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter bounds each principal's request rate with a token bucket, so one
// runaway script cannot flood the command stream for everyone.
type Limiter struct {
	rate  rate.Limit
	burst int
	mu    sync.Mutex
	seen  map[string]*entry
	now   func() time.Time
}

type entry struct {
	lim  *rate.Limiter
	used time.Time
}

// NewLimiter allows perSecond requests per principal, in bursts of burst.
// perSecond <= 0 allows everything.
func NewLimiter(perSecond float64, burst int) *Limiter {
	return &Limiter{rate: rate.Limit(perSecond), burst: max(burst, 1), seen: map[string]*entry{}, now: time.Now}
}

// Allow takes one request from subject's bucket; when it is empty it
// returns false and how long until the next request would be allowed.
func (l *Limiter) Allow(subject string) (bool, time.Duration) {
	if l == nil || l.rate <= 0 {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.seen[subject]
	if !ok {
		if len(l.seen) >= 10000 {
			l.sweep(now)
		}
		e = &entry{lim: rate.NewLimiter(l.rate, l.burst)}
		l.seen[subject] = e
	}
	e.used = now
	r := e.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep forgets principals idle long enough for their bucket to be full.
func (l *Limiter) sweep(now time.Time) {
	full := time.Duration(float64(l.burst)/float64(l.rate)*float64(time.Second)) + time.Minute
	for k, e := range l.seen {
		if now.Sub(e.used) > full {
			delete(l.seen, k)
		}
	}
}
