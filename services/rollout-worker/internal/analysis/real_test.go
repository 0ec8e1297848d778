package analysis_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"slipway.dev/services/rollout-worker/internal/analysis"
	"slipway.dev/testsupport/prometheustest"
)

// The checks against a real Prometheus (Debian's, started by
// prometheustest) scraping per-revision series the test sets.

const (
	labels    = `namespace="{{.Namespace}}",deployment="{{.Deployment}}",revision="{{.Revision}}"`
	errorRate = `sum(rate(` + prometheustest.ErrorsTotal + `{` + labels + `}[5s])) / sum(rate(` + prometheustest.RequestsTotal + `{` + labels + `}[5s]))`
	p99       = `histogram_quantile(0.99, sum by (le) (rate(` + prometheustest.Latency + `_bucket{` + labels + `}[5s])))`
)

func errorRateCheck() analysis.Check {
	return analysis.Check{
		Name: "error-rate", Query: errorRate,
		Condition: analysis.Condition{Operator: analysis.Less, Threshold: 0.05},
		Interval:  time.Second, Count: 3, FailureLimit: 0, InconclusiveLimit: 0,
	}
}

func latencyCheck() analysis.Check {
	return analysis.Check{
		Name: "latency-p99", Query: p99,
		Condition: analysis.Condition{Operator: analysis.LessOrEqual, Threshold: 1.2, Ratio: true},
		Interval:  time.Second, Count: 2, FailureLimit: 0, InconclusiveLimit: 0,
	}
}

// serve sets a deployment's stable revision 1 and canary revision 2.
func serve(p *prometheustest.Prometheus, deployment string, stable, canary prometheustest.Traffic) analysis.Vars {
	v := analysis.Vars{Namespace: "models", Deployment: deployment, Revision: "2", StableRevision: "1"}
	p.Exporter.Set(prometheustest.Series{Namespace: v.Namespace, Deployment: deployment, Revision: "1"}, stable)
	p.Exporter.Set(prometheustest.Series{Namespace: v.Namespace, Deployment: deployment, Revision: "2"}, canary)
	return v
}

// run measures c until its run decides, as the worker will: at Next, each
// measurement folded with the ones before.
func run(t *testing.T, prov analysis.Provider, c analysis.Check, v analysis.Vars) (analysis.Status, []analysis.Measurement) {
	t.Helper()
	start := time.Now().Add(-c.Interval) // the first measurement is due now
	var ms []analysis.Measurement
	for {
		time.Sleep(time.Until(analysis.Next(c, start, ms)))
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		ms = append(ms, analysis.Take(ctx, prov, c, v, time.Now()))
		cancel()
		if s := analysis.Assess(c, ms); s.Phase != analysis.Running {
			return s, ms
		}
	}
}

func render(t *testing.T, c analysis.Check, v analysis.Vars) string {
	t.Helper()
	q, err := c.Render(v)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestChecksOnPrometheus(t *testing.T) {
	p := prometheustest.Start(t)
	prov, err := analysis.NewPrometheus(p.URL)
	if err != nil {
		t.Fatal(err)
	}
	healthy := prometheustest.Traffic{RequestsPerSecond: 50, Latency: 40 * time.Millisecond}
	good := serve(p, "good", healthy, healthy)
	erring := serve(p, "erring", healthy, prometheustest.Traffic{RequestsPerSecond: 50, ErrorRatio: 0.2, Latency: 40 * time.Millisecond})
	slow := serve(p, "slow", healthy, prometheustest.Traffic{RequestsPerSecond: 50, Latency: 300 * time.Millisecond})
	idle := serve(p, "idle", healthy, prometheustest.Traffic{})
	for _, v := range []analysis.Vars{good, erring, slow} {
		p.WaitFor(t, render(t, errorRateCheck(), v), 30*time.Second)
		p.WaitFor(t, render(t, latencyCheck(), v), 30*time.Second)
	}

	t.Run("no errors passes", func(t *testing.T) {
		s, ms := run(t, prov, errorRateCheck(), good)
		if s.Phase != analysis.Successful || s.Successes != 3 {
			t.Fatalf("run = %+v (%+v), want Successful after 3", s, ms)
		}
		if ms[0].Value != 0 {
			t.Errorf("error rate %v, want 0", ms[0].Value)
		}
	})
	t.Run("20% errors fails naming check, value and condition", func(t *testing.T) {
		s, ms := run(t, prov, errorRateCheck(), erring)
		if s.Phase != analysis.Failed || len(ms) != 1 {
			t.Fatalf("run = %+v (%+v), want Failed at the first measurement", s, ms)
		}
		t.Log(s.Reason)
		if v := ms[0].Value; v < 0.19 || v > 0.21 {
			t.Errorf("error rate %v, want 0.2", v)
		}
		for _, want := range []string{`check "error-rate"`, "0.2", "does not meet < 0.05"} {
			if !strings.Contains(s.Reason, want) {
				t.Errorf("reason %q lacks %q", s.Reason, want)
			}
		}
	})
	t.Run("latency ratio alike passes", func(t *testing.T) {
		if s, ms := run(t, prov, latencyCheck(), good); s.Phase != analysis.Successful || ms[0].Value < 0.9 || ms[0].Value > 1.1 {
			t.Fatalf("run = %+v (%+v), want Successful with a ratio near 1", s, ms)
		}
	})
	t.Run("latency ratio of a slow canary fails", func(t *testing.T) {
		s, ms := run(t, prov, latencyCheck(), slow)
		if s.Phase != analysis.Failed || ms[0].Value < 5 {
			t.Fatalf("run = %+v (%+v), want Failed with a ratio above 5 (about 0.5s/0.05s)", s, ms)
		}
		t.Log(s.Reason)
		if !strings.Contains(s.Reason, `check "latency-p99"`) || !strings.Contains(s.Reason, "canary/stable <= 1.2") {
			t.Errorf("reason %q lacks the check or the condition", s.Reason)
		}
	})
	t.Run("no series is inconclusive", func(t *testing.T) {
		missing := good
		missing.Revision = "9"
		s, ms := run(t, prov, errorRateCheck(), missing)
		if s.Phase != analysis.Inconclusive || !strings.Contains(ms[0].Reason, "no series") {
			t.Fatalf("run = %+v (%+v), want Inconclusive: no series", s, ms)
		}
	})
	t.Run("no traffic (NaN) is inconclusive", func(t *testing.T) {
		s, ms := run(t, prov, errorRateCheck(), idle)
		if s.Phase != analysis.Inconclusive || !strings.Contains(ms[0].Reason, "NaN") {
			t.Fatalf("run = %+v (%+v), want Inconclusive: NaN", s, ms)
		}
	})
	t.Run("Prometheus stopped is inconclusive, never success", func(t *testing.T) {
		p.Stop()
		c := errorRateCheck()
		c.InconclusiveLimit = c.Count - 1 // the most a valid check allows
		s, ms := run(t, prov, c, good)
		if s.Phase != analysis.Inconclusive || len(ms) != c.Count {
			t.Fatalf("run = %+v (%+v), want Inconclusive after %d", s, ms, c.Count)
		}
		t.Log(s.Reason)
		for _, m := range ms {
			if m.Phase != analysis.Inconclusive || !strings.Contains(m.Reason, "did not answer") {
				t.Errorf("measurement %+v, want Inconclusive: did not answer", m)
			}
		}
	})
}
