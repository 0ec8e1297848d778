package webhooks

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestDefaultScheduleIsStandardWebhooks(t *testing.T) {
	r := Retry{}.withDefaults()
	want := []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}
	for i, w := range want {
		if got, ok := r.Delay(i + 1); !ok || got != w {
			t.Errorf("wait after failed attempt %d: %s %v, want %s", i+1, got, ok, w)
		}
	}
	if _, ok := r.Delay(len(want) + 1); ok {
		t.Errorf("attempt %d is retried; the schedule has %d attempts", len(want)+1, len(want)+1)
	}
	if _, ok := r.Delay(0); ok {
		t.Error("no attempt has failed yet, yet there is a wait")
	}
}

func TestParseSchedule(t *testing.T) {
	tests := []struct {
		in   string
		want []time.Duration
		ok   bool
	}{
		{"5s,5m,30m,2h,5h,10h,10h", DefaultSchedule(), true},
		{" 1s , 2s", []time.Duration{time.Second, 2 * time.Second}, true},
		{"168h", []time.Duration{7 * 24 * time.Hour}, true},
		{"", nil, false},
		{"5s,,5m", nil, false},
		{"5", nil, false},
		{"5s,0s", nil, false},
		{"-5s", nil, false},
		{"169h", nil, false},
		{"1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSchedule(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseSchedule(%q) = %v, %v; want ok=%v", tt.in, got, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrSchedule) {
				t.Fatalf("error %v is not ErrSchedule", err)
			}
			if tt.ok && !slices.Equal(got, tt.want) {
				t.Fatalf("ParseSchedule(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
