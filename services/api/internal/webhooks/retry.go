package webhooks

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Retry is when a failed delivery is attempted again, and when it is given
// up (dead-lettered).
type Retry struct {
	// Schedule is the wait before each retry, counted from the end of the
	// failed attempt: the second attempt waits Schedule[0], the third
	// Schedule[1], and so on; after 1+len(Schedule) failed attempts the
	// delivery is dead. A manual redelivery starts the schedule again.
	// Empty: DefaultSchedule.
	Schedule []time.Duration
}

// DefaultSchedule is the Standard Webhooks senders' usual schedule: after
// the immediate attempt, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, so a
// receiver that is down for a day and a half still gets every delivery.
func DefaultSchedule() []time.Duration {
	return []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}
}

// Bounds of a schedule.
const (
	maxRetries    = 50
	maxRetryDelay = 7 * 24 * time.Hour
)

// ErrSchedule is the error of every schedule ValidateSchedule refuses.
var ErrSchedule = errors.New("invalid webhook retry schedule")

// ValidateSchedule checks a schedule: at most 50 retries, each waiting
// more than 0 and at most 7 days.
func ValidateSchedule(s []time.Duration) error {
	if len(s) > maxRetries {
		return fmt.Errorf("%w: %d retries, at most %d", ErrSchedule, len(s), maxRetries)
	}
	for i, d := range s {
		if d <= 0 || d > maxRetryDelay {
			return fmt.Errorf("%w: retry %d waits %s; each must wait more than 0 and at most %s", ErrSchedule, i+1, d, maxRetryDelay)
		}
	}
	return nil
}

// ParseSchedule reads a schedule written as Go durations separated by
// commas ("5s,5m,30m,2h,5h,10h,10h") and validates it.
func ParseSchedule(s string) ([]time.Duration, error) {
	var out []time.Duration
	for part := range strings.SplitSeq(s, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("%w: %q: want durations separated by commas, like 5s,5m,30m,2h: %v", ErrSchedule, s, err)
		}
		out = append(out, d)
	}
	return out, ValidateSchedule(out)
}

// withDefaults fills an empty schedule with DefaultSchedule.
func (r Retry) withDefaults() Retry {
	if len(r.Schedule) == 0 {
		r.Schedule = DefaultSchedule()
	}
	return r
}

// Delay is how long to wait after the n-th failed attempt (1-based, counted
// since the schedule started) before the next; false when the schedule is
// spent and the delivery dies.
func (r Retry) Delay(n int) (time.Duration, bool) {
	if n < 1 || n > len(r.Schedule) {
		return 0, false
	}
	return r.Schedule[n-1], true
}
