package analysis

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestMeasure(t *testing.T) {
	at := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	threshold := validCheck() // error-rate < 0.05
	ratio := validCheck()
	ratio.Name = "latency"
	ratio.Condition = Condition{Operator: LessOrEqual, Threshold: 1.2, Ratio: true}
	val := func(v float64) Sample { return Sample{Value: v} }
	stable := func(v float64) *Sample { return &Sample{Value: v} }
	refused := errors.New("connection refused")

	for _, tc := range []struct {
		name   string
		check  Check
		obs    Observation
		phase  Phase
		value  float64
		reason []string // all in the reason
	}{
		{"below threshold", threshold, Observation{Canary: val(0.01)}, Successful, 0.01,
			[]string{`check "error-rate"`, "0.01", "meets < 0.05"}},
		{"at a strict threshold fails", threshold, Observation{Canary: val(0.05)}, Failed, 0.05,
			[]string{`check "error-rate"`, "0.05 does not meet < 0.05"}},
		{"above threshold fails naming check, value, condition", threshold, Observation{Canary: val(0.2)}, Failed, 0.2,
			[]string{`check "error-rate": 0.2 does not meet < 0.05`}},
		{"zero is a value", threshold, Observation{Canary: val(0)}, Successful, 0, nil},
		{"query error", threshold, Observation{Canary: Sample{Err: refused}}, Inconclusive, 0,
			[]string{`check "error-rate"`, "connection refused"}},
		{"NaN", threshold, Observation{Canary: val(math.NaN())}, Inconclusive, 0, []string{"NaN"}},
		{"+Inf", threshold, Observation{Canary: val(math.Inf(1))}, Inconclusive, 0, []string{"+Inf"}},
		{"-Inf meets < but is not a value", threshold, Observation{Canary: val(math.Inf(-1))}, Inconclusive, 0, []string{"-Inf"}},
		{"unknown operator never succeeds", Check{Name: "x", Condition: Condition{Operator: "=="}}, Observation{Canary: val(0)}, Failed, 0, nil},

		{"ratio within bound", ratio, Observation{Canary: val(0.12), Stable: stable(0.1)}, Successful, 0.12 / 0.1,
			[]string{`check "latency"`, "1.2 (0.12/0.1) meets canary/stable <= 1.2"}},
		{"ratio above bound fails", ratio, Observation{Canary: val(0.5), Stable: stable(0.2)}, Failed, 2.5,
			[]string{`check "latency": 2.5 (0.5/0.2) does not meet canary/stable <= 1.2`}},
		{"ratio both zero is 1", ratio, Observation{Canary: val(0), Stable: stable(0)}, Successful, 1, nil},
		{"ratio stable zero", ratio, Observation{Canary: val(0.3), Stable: stable(0)}, Inconclusive, 0, []string{"undefined"}},
		{"ratio negative", ratio, Observation{Canary: val(-1), Stable: stable(1)}, Inconclusive, 0, []string{"at least 0"}},
		{"ratio without stable revision", ratio, Observation{Canary: val(0.1)}, Inconclusive, 0, []string{"no stable revision"}},
		{"ratio stable query error", ratio, Observation{Canary: val(0.1), Stable: &Sample{Err: refused}}, Inconclusive, 0,
			[]string{"stable revision", "connection refused"}},
		{"ratio stable NaN", ratio, Observation{Canary: val(0.1), Stable: stable(math.NaN())}, Inconclusive, 0, []string{"NaN", "stable"}},
		{"ratio canary error first", ratio, Observation{Canary: Sample{Err: refused}, Stable: stable(1)}, Inconclusive, 0, []string{"connection refused"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.obs.At = at
			m := Measure(tc.check, tc.obs)
			if m.Phase != tc.phase || m.Value != tc.value || !m.At.Equal(at) {
				t.Fatalf("Measure = %+v, want phase %s value %v at %v", m, tc.phase, tc.value, at)
			}
			for _, s := range tc.reason {
				if !strings.Contains(m.Reason, s) {
					t.Errorf("reason %q lacks %q", m.Reason, s)
				}
			}
		})
	}
}
