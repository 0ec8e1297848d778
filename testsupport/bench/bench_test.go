package bench

import (
	"math"
	"strings"
	"testing"
	"time"
)

// TestQuickIntake runs the harness's quick intake benchmark against a real
// in-process stack. It checks that the harness works and produces sensible
// rows, never how fast anything is.
func TestQuickIntake(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a stack: skipped with -short")
	}
	rows, err := Run(t.Context(), Config{Only: []string{"intake"}, Quick: true, DataDir: t.TempDir(), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 6 {
		t.Fatalf("got %d rows, want 6 (throughput, p50, p99 for sequential and concurrent): %+v", len(rows), rows)
	}
	for _, r := range rows {
		if r.Skipped != "" || !(r.Slipway > 0) || !(r.Baseline > 0) {
			t.Errorf("row %q: Slipway %v, baseline %v, skipped %q; want both measured", r.Benchmark, r.Slipway, r.Baseline, r.Skipped)
		}
	}
	var b strings.Builder
	if err := WriteTable(&b, rows); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(b.String(), "\n| intake "); got != 6 {
		t.Errorf("table has %d intake rows, want 6:\n%s", got, b.String())
	}
}

func TestRunRefusesUnknownBenchmark(t *testing.T) {
	if _, err := Run(t.Context(), Config{Only: []string{"nope"}}); err == nil {
		t.Fatal("Run accepted an unknown benchmark")
	}
}

func TestMonitorRows(t *testing.T) {
	out := `goos: linux
BenchmarkMonitorFootprint1000-2   	       3	  12345678 ns/op	         9.800 cpu-ms/round	        10.20 heapMB/1k-deployments	        11.50 ms/round
BenchmarkMonitorFootprint10000-2   	       3	  63802240 ns/op	        63.32 cpu-ms/round	        10.37 heapMB/1k-deployments	        63.80 ms/round
PASS`
	rows, err := MonitorRows(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0].Slipway != 10.2 || rows[1].Slipway != 9.8 || math.Abs(rows[2].Slipway-103.7) > 1e-9 || rows[3].Slipway != 63.32 {
		t.Fatalf("rows = %+v, want heap 10.2 MB and CPU 9.8 ms at 1,000, 103.7 MB and 63.32 ms at 10,000", rows)
	}
	if !rows[2].Target.Met(rows[2]) || rows[2].Target.Text != "<= 1,024 MB" {
		t.Errorf("10,000-deployment heap target %q not met by %v MB", rows[2].Target.Text, rows[2].Slipway)
	}
	if _, err := MonitorRows(strings.NewReader("PASS\n")); err == nil {
		t.Error("MonitorRows accepted output without a result")
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		v    float64
		unit string
		want string
	}{{1234567, "req/s", "1,234,567 req/s"}, {123.4, "ms", "123 ms"}, {12.34, "ms", "12.3 ms"}, {0.123, "s", "0.12 s"}} {
		if got := format(c.v, c.unit); got != c.want {
			t.Errorf("format(%v, %q) = %q, want %q", c.v, c.unit, got, c.want)
		}
	}
}

// TestQuickFleetAndSoak runs the fleet benchmark and the soak at a tiny
// size against real in-process stacks: every figure is measured (none
// skipped but the local plane's when its binaries are missing), never
// judged for speed.
func TestQuickFleetAndSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("starts stacks: skipped with -short")
	}
	rows, err := Run(t.Context(), Config{Only: []string{"fleet", "soak"}, Quick: true, DataDir: t.TempDir(), Logf: t.Logf,
		FleetSizes: []int{3}, LocalFleetSize: 3, SoakSize: 2, SoakDuration: 15 * time.Second, NoLocal: true})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"fleet simulated N=3: image change to all, until all succeeded":       true,
		"fleet simulated N=3: rollouts of the change that succeeded":          true,
		"fleet simulated N=3: max JetStream consumers":                        true,
		"fleet simulated N=3: WARN/ERROR log lines":                           true,
		"fleet simulated N=3: RSS of bench process":                           true,
		"fleet simulated N=3: GET one deployment during the change: p99":      true,
		"fleet simulated N=3: list page during the change: p99":               true,
		"fleet simulated N=3: event -> visible in GET during the change: p99": true,
		"soak N=2 for 15s: RSS of bench process, end vs start":                true,
		"soak N=2 for 15s: JetStream consumers, end vs start":                 true,
		"soak N=2 for 15s: rollouts started in the soak that succeeded":       true,
	}
	for _, r := range rows {
		if r.Benchmark == "fleet local plane N=3" {
			if r.Skipped == "" {
				t.Errorf("local plane row not skipped with NoLocal: %+v", r)
			}
			continue
		}
		if r.Skipped != "" {
			t.Errorf("row %q skipped: %s", r.Benchmark, r.Skipped)
		}
		if !want[r.Benchmark] {
			continue
		}
		delete(want, r.Benchmark)
		if strings.Contains(r.Benchmark, "log lines") {
			continue // 0 is a measurement
		}
		if !(r.Slipway > 0) {
			t.Errorf("row %q: Slipway %v, want measured", r.Benchmark, r.Slipway)
		}
		if strings.Contains(r.Benchmark, "until all succeeded") && !(r.Baseline > 0) {
			t.Errorf("row %q: baseline %v, want measured", r.Benchmark, r.Baseline)
		}
	}
	for name := range want {
		t.Errorf("no row %q", name)
	}
}

func TestETagSequence(t *testing.T) {
	for etag, want := range map[string]uint64{`"5.9"`: 9, `"12.12"`: 12} {
		if got, err := etagSequence(etag); err != nil || got != want {
			t.Errorf("etagSequence(%s) = %d, %v; want %d", etag, got, err, want)
		}
	}
	if _, err := etagSequence(`"9"`); err == nil {
		t.Error(`etagSequence("9"): want an error, an ETag carries both numbers`)
	}
}

func TestFootprintPerThousandOnlyForLargeFleets(t *testing.T) {
	for _, tc := range []struct {
		n         int
		name      string
		slipway   float64
		hasTarget bool
	}{
		{n: 20, name: "fleet simulated N=20: RSS of api + worker + monitor", slipway: 300, hasTarget: false},
		// Scaled per 1,000, or projected to 10,000 (fixed cost plus
		// growth), it is a figure to read; the target is held by a fleet
		// of 10,000 measured.
		{n: 2000, name: "fleet simulated N=2,000: RSS of api + worker + monitor per 1,000 deployments", slipway: 150, hasTarget: false},
		{n: 2000, name: "fleet simulated N=2,000: RSS of api + worker + monitor at 10,000 deployments, projected", slipway: 300, hasTarget: false},
		{n: 10000, name: "fleet simulated N=10,000: RSS of api + worker + monitor, measured", slipway: 300, hasTarget: true},
	} {
		st := &fleetStack{logs: newLogCounter(), exits: func() string { return "" },
			procs: []proc{{name: "api"}, {name: "rollout-worker"}, {name: benchProcess}}}
		r := &fleetRun{cluster: fleetSimulated, n: tc.n, st: st, created: &batch{}, changed: &batch{}, probes: &probes{},
			all: []sample{{at: time.Now(), usage: map[string]procUsage{"api": {RSSMB: 200}, "rollout-worker": {RSSMB: 100}}}}}
		var found bool
		for _, row := range r.rows() {
			if row.Benchmark != tc.name {
				continue
			}
			found = true
			if row.Slipway != tc.slipway || (row.Target.Met != nil) != tc.hasTarget {
				t.Errorf("N=%d: %q = %v (target %v), want %v (target %v)", tc.n, row.Benchmark, row.Slipway, row.Target.Met != nil, tc.slipway, tc.hasTarget)
			}
		}
		if !found {
			t.Errorf("N=%d: no row %q", tc.n, tc.name)
		}
	}
}

// TestFootprintOnlyRowsMeasureTheTarget: a fleet measured for its
// footprint alone (no baseline, no change) reports no change rows, counts
// its creates against the fleet, and at 10,000 holds the 1 GiB target with
// the measured sum rather than a projection.
func TestFootprintOnlyRowsMeasureTheTarget(t *testing.T) {
	st := &fleetStack{logs: newLogCounter(), exits: func() string { return "" },
		procs: []proc{{name: "api"}, {name: "rollout-worker"}, {name: "health-monitor"}, {name: benchProcess}}}
	r := &fleetRun{cluster: fleetLocal, n: 10000, st: st, created: &batch{succeeded: 9999},
		all: []sample{{at: time.Now(), usage: map[string]procUsage{"api": {RSSMB: 170}, "rollout-worker": {RSSMB: 250}, "health-monitor": {RSSMB: 200}}}}}
	rows := map[string]Row{}
	for _, row := range r.rows() {
		rows[row.Benchmark] = row
		if strings.Contains(row.Benchmark, "change") {
			t.Errorf("row %q in a footprint-only run", row.Benchmark)
		}
	}
	measured, ok := rows["fleet local plane N=10,000: RSS of api + worker + monitor, measured"]
	if !ok || measured.Slipway != 620 || measured.Target.Met == nil || !measured.Target.Met(measured) {
		t.Errorf("measured row = %+v (found %v), want 620 MB held to 1 GiB", measured, ok)
	}
	if _, ok := rows["fleet local plane N=10,000: RSS of api + worker + monitor at 10,000 deployments, projected"]; ok {
		t.Error("a projection where the fleet was measured")
	}
	creates := rows["fleet local plane N=10,000: creates that succeeded"]
	if creates.Target.Met == nil || creates.Target.Met(creates) {
		t.Errorf("creates row = %+v: 9,999 of 10,000 must miss its target", creates)
	}
}

// TestFleetDirsCarryNoCommas: the local plane's processes take paths in
// flags some of them split at commas (kwok's --config), so a fleet's data
// folder has none, whatever its label.
func TestFleetDirsCarryNoCommas(t *testing.T) {
	for _, n := range []int{20, 1000, 10000} {
		label := fleetLabel(fleetLocal, n)
		if dir := fleetDir(label); strings.ContainsAny(dir, ", ") {
			t.Errorf("fleet %q: data folder %q", label, dir)
		}
	}
}

// TestA5xxIsNamedInTheNote: a batch's note says what its 5xx answers were,
// so that one seen under load can be explained.
func TestA5xxIsNamedInTheNote(t *testing.T) {
	b := &batch{sent: 2, succeeded: 2}
	b.note5xx([]string{
		answer5xx("POST deployments", 503, []byte(`{"title":"Service Unavailable","detail":"read models unavailable"}`)),
		answer5xx("GET operation ?wait", 502, []byte("bad gateway")),
	})
	got := b.String()
	for _, want := range []string{"2 5xx answers retried", "5xx to POST deployments: 503 Service Unavailable: read models unavailable",
		"5xx to GET operation ?wait: 502 bad gateway"} {
		if !strings.Contains(got, want) {
			t.Errorf("note %q lacks %q", got, want)
		}
	}
}
