package analysis

import (
	"strings"
	"testing"
	"time"
)

func TestAssess(t *testing.T) {
	c := Check{Name: "error-rate", Count: 3, FailureLimit: 1, InconclusiveLimit: 1}
	ok := Measurement{Phase: Successful, Reason: "ok"}
	bad := Measurement{Phase: Failed, Reason: `check "error-rate": 0.2 does not meet < 0.05`}
	unsure := Measurement{Phase: Inconclusive, Reason: `check "error-rate": the query returned no series`}
	odd := Measurement{Phase: "", Reason: "a measurement of no phase"}
	ms := func(m ...Measurement) []Measurement { return m }

	for _, tc := range []struct {
		name                  string
		check                 Check
		ms                    []Measurement
		phase                 Phase
		successes, fails, inc int
		reason                []string
	}{
		{"none yet", c, nil, Running, 0, 0, 0, nil},
		{"some successes", c, ms(ok, ok), Running, 2, 0, 0, nil},
		{"count reached", c, ms(ok, ok, ok), Successful, 3, 0, 0, []string{"3 of 3"}},
		{"failures within limit", c, ms(ok, bad, ok), Successful, 2, 1, 0, nil},
		{"inconclusive within limit", c, ms(unsure, ok, ok), Successful, 2, 0, 1, nil},
		{"one of each within limits", c, ms(bad, unsure, ok), Successful, 1, 1, 1, nil},
		{"failures over limit fail at once", c, ms(bad, bad), Failed, 0, 2, 0,
			[]string{`check "error-rate": 0.2 does not meet < 0.05`, "2 failed, more than the limit of 1"}},
		{"failed with failure limit 0", Check{Name: "x", Count: 5}, ms(ok, bad), Failed, 1, 1, 0, nil},
		{"inconclusive over limit", c, ms(unsure, unsure), Inconclusive, 0, 0, 2,
			[]string{"no series", "2 inconclusive, more than the limit of 1"}},
		{"no phase counts as inconclusive", c, ms(odd, odd), Inconclusive, 0, 0, 2, []string{"no phase"}},
		{"measurements after the decision are not counted", c, ms(bad, bad, ok, ok), Failed, 0, 2, 0, nil},
		{"measurements past count are not counted", c, ms(ok, ok, ok, bad, bad), Successful, 3, 0, 0, nil},
		// Argo Rollouts #4479: limits that allow every measurement to err or
		// fail must not make a run with no success successful.
		{"all inconclusive under lax limits", Check{Name: "x", Count: 3, InconclusiveLimit: 3}, ms(unsure, unsure, unsure),
			Inconclusive, 0, 0, 3, []string{"none of its 3 measurements succeeded"}},
		{"failed and inconclusive under lax limits", Check{Name: "x", Count: 2, FailureLimit: 1, InconclusiveLimit: 1}, ms(bad, unsure),
			Inconclusive, 0, 1, 1, []string{"none of its 2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Assess(tc.check, tc.ms)
			if s.Phase != tc.phase || s.Successes != tc.successes || s.Failures != tc.fails || s.Inconclusives != tc.inc {
				t.Fatalf("Assess = %+v, want %s with %d/%d/%d", s, tc.phase, tc.successes, tc.fails, tc.inc)
			}
			for _, r := range tc.reason {
				if !strings.Contains(s.Reason, r) {
					t.Errorf("reason %q lacks %q", s.Reason, r)
				}
			}
		})
	}
}

func TestAssessNeverSucceedsWithoutASuccess(t *testing.T) {
	// Every run of up to 4 measurements, none Successful, under every
	// limit: never Successful.
	phases := []Phase{Failed, Inconclusive}
	for count := 1; count <= 4; count++ {
		for mask := range 1 << count {
			ms := make([]Measurement, count)
			for i := range ms {
				ms[i].Phase = phases[(mask>>i)&1]
			}
			for fl := 0; fl <= count; fl++ {
				for il := 0; il <= count; il++ {
					c := Check{Name: "x", Count: count, FailureLimit: fl, InconclusiveLimit: il}
					if s := Assess(c, ms); s.Phase == Successful || s.Phase == Running {
						t.Fatalf("Assess(%+v, %v) = %s", c, ms, s.Phase)
					}
				}
			}
		}
	}
}

func TestNext(t *testing.T) {
	start := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	c := Check{Interval: 30 * time.Second}
	if got, want := Next(c, start, nil), start.Add(30*time.Second); !got.Equal(want) {
		t.Errorf("first: Next = %v, want %v", got, want)
	}
	ms := []Measurement{{At: start.Add(31 * time.Second)}, {At: start.Add(65 * time.Second)}}
	if got, want := Next(c, start, ms), start.Add(95*time.Second); !got.Equal(want) {
		t.Errorf("after two: Next = %v, want %v", got, want)
	}
}
