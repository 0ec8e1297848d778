package webhooks

import (
	"math/rand/v2"
	"time"
)

// Retry is when failed attempts are tried again and when a delivery is
// given up (dead-lettered).
type Retry struct {
	// MaxAttempts is how many attempts a delivery gets before it is dead
	// (default 8). A manual redelivery grants as many again.
	MaxAttempts int
	// Base, Factor and Cap shape the exponential backoff: the delay after
	// attempt n is drawn uniformly from [0, min(Cap, Base*Factor^(n-1))]
	// ("full jitter"). Defaults: 1 s, 2, 5 min.
	Base   time.Duration
	Factor float64
	Cap    time.Duration
	// Rand returns a number in [0, 1) (default math/rand/v2); tests fix it.
	Rand func() float64
}

// DefaultRetry is the production policy: 8 attempts, 1 s doubling to 5 min.
func DefaultRetry() Retry {
	return Retry{MaxAttempts: 8, Base: time.Second, Factor: 2, Cap: 5 * time.Minute, Rand: rand.Float64}
}

// withDefaults fills every zero field from DefaultRetry.
func (r Retry) withDefaults() Retry {
	d := DefaultRetry()
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = d.MaxAttempts
	}
	if r.Base <= 0 {
		r.Base = d.Base
	}
	if r.Factor < 1 {
		r.Factor = d.Factor
	}
	if r.Cap <= 0 {
		r.Cap = d.Cap
	}
	if r.Rand == nil {
		r.Rand = d.Rand
	}
	return r
}

// Delay is how long to wait after failed attempt n (1-based) before the next.
func (r Retry) Delay(n int) time.Duration {
	ceiling := float64(r.Base)
	for i := 1; i < n && ceiling < float64(r.Cap); i++ {
		ceiling *= r.Factor
	}
	ceiling = min(ceiling, float64(r.Cap))
	return time.Duration(r.Rand() * ceiling)
}
