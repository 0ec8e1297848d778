package prometheustest_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"slipway.dev/testsupport/prometheustest"
)

// The rates Prometheus computes from the exporter's series are the Traffic
// the test set, per revision.
func TestExporterSeriesReadBack(t *testing.T) {
	p := prometheustest.Start(t)
	canary := prometheustest.Series{Namespace: "ns", Deployment: "m", Revision: "2"}
	stable := prometheustest.Series{Namespace: "ns", Deployment: "m", Revision: "1"}
	p.Exporter.Set(canary, prometheustest.Traffic{RequestsPerSecond: 100, ErrorRatio: 0.2, Latency: 300 * time.Millisecond})
	p.Exporter.Set(stable, prometheustest.Traffic{RequestsPerSecond: 100, Latency: 40 * time.Millisecond})

	errRatio := func(rev string) string {
		return fmt.Sprintf(`sum(rate(%s{revision=%q}[10s])) / sum(rate(%s{revision=%q}[10s]))`,
			prometheustest.ErrorsTotal, rev, prometheustest.RequestsTotal, rev)
	}
	p99 := func(rev string) string {
		return fmt.Sprintf(`histogram_quantile(0.99, sum by (le) (rate(%s_bucket{revision=%q}[10s])))`,
			prometheustest.Latency, rev)
	}
	p.WaitFor(t, errRatio("2"), 30*time.Second)
	for _, c := range []struct {
		query     string
		low, high float64
	}{
		{errRatio("2"), 0.19, 0.21},
		{errRatio("1"), 0, 0},
		{p99("2"), 0.25, 0.5}, // between the bucket bounds around 300ms
		{p99("1"), 0.025, 0.05},
		// rate() over a window longer than the series underestimates (it
		// does not extrapolate to the window), irate() does not.
		{fmt.Sprintf(`sum(irate(%s{namespace="ns",deployment="m"}[10s]))`, prometheustest.RequestsTotal), 180, 220},
	} {
		v, _, _, err := p.API(t).Query(t.Context(), c.query, time.Now())
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		vec, ok := v.(model.Vector)
		if !ok || len(vec) != 1 {
			t.Fatalf("%s = %v, want one sample", c.query, v)
		}
		if got := float64(vec[0].Value); math.IsNaN(got) || got < c.low || got > c.high {
			t.Errorf("%s = %v, want in [%v, %v]", c.query, got, c.low, c.high)
		}
	}
}

func TestStopRefusesQueries(t *testing.T) {
	p := prometheustest.Start(t)
	p.Stop()
	if _, _, _, err := p.API(t).Query(t.Context(), "up", time.Now()); err == nil {
		t.Fatal("query to a stopped Prometheus succeeded")
	}
	p.Stop() // a second Stop (as at cleanup) returns
}
