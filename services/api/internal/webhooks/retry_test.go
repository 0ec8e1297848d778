package webhooks

import (
	"testing"
	"time"
)

func TestRetryDelayIsFullJitterExponentialCapped(t *testing.T) {
	r := DefaultRetry()
	r.Rand = func() float64 { return 1 }
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second,
		64 * time.Second, 128 * time.Second, 256 * time.Second, 5 * time.Minute, 5 * time.Minute}
	for i, w := range want {
		if got := r.Delay(i + 1); got != w {
			t.Errorf("ceiling after attempt %d: %s, want %s", i+1, got, w)
		}
	}
	r.Rand = func() float64 { return 0 }
	if got := r.Delay(5); got != 0 {
		t.Errorf("full jitter starts at 0, got %s", got)
	}
	r = Retry{}.withDefaults()
	for n := 1; n <= 12; n++ {
		if d := r.Delay(n); d < 0 || d > 5*time.Minute {
			t.Errorf("delay %s after attempt %d is out of [0, 5m]", d, n)
		}
	}
	if r.MaxAttempts != 8 {
		t.Errorf("default attempts %d, want 8", r.MaxAttempts)
	}
}
