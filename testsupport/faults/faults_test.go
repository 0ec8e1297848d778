package faults_test

import (
	"io"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"slipway.dev/testsupport/faults"
	"slipway.dev/testsupport/natscluster"
)

// Environment of the suite: SLIPWAY_FAULTS_SEED repeats a run (default: a
// new seed, printed); SLIPWAY_FAULTS_DURATION sets how long operations run
// under faults (default 45s, the CI size: about 2 minutes in all; bench/run.sh -only faults runs
// 10m with the store down 30 s at a time); SLIPWAY_FAULTS_REPORT names a file
// the figures are written to; SLIPWAY_FAULTS_LOGS=1 shows the services' logs;
// SLIPWAY_FAULTS=1 runs it at all (.ci/run sets it; see TestFaultInjection).
const (
	envSeed     = "SLIPWAY_FAULTS_SEED"
	envDuration = "SLIPWAY_FAULTS_DURATION"
	envReport   = "SLIPWAY_FAULTS_REPORT"
	envLogs     = "SLIPWAY_FAULTS_LOGS"
	envRun      = "SLIPWAY_FAULTS"
)

// plan is the CI-sized schedule unless the environment asks for longer.
func plan(t *testing.T) faults.Plan {
	p := faults.Plan{Seed: time.Now().UnixNano(), Duration: 45 * time.Second, StoreOutage: 8 * time.Second, Hold: 6 * time.Second,
		Gap: 3 * time.Second}
	if s := os.Getenv(envSeed); s != "" {
		seed, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("%s: %v", envSeed, err)
		}
		p.Seed = seed
	}
	if s := os.Getenv(envDuration); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("%s: %v", envDuration, err)
		}
		p.Duration = d
		if d >= 5*time.Minute { // the long run: the 30 s outage
			p.StoreOutage, p.Hold, p.Gap = 30*time.Second, 15*time.Second, 5*time.Second
		}
	}
	return p
}

// optIn skips a run of the tier unless envRun is set: a developer's go
// test of the workspace would take minutes more of a loaded machine; CI
// sets it (.ci/run), and bench/run.sh -only faults runs it longer.
func optIn(t *testing.T, why string) {
	t.Helper()
	if testing.Short() {
		t.Skip(why)
	}
	if os.Getenv(envRun) == "" {
		t.Skipf("%s: opt-in with %s=1 (CI sets it; bench/run.sh -only faults runs it longer)", why, envRun)
	}
}

// TestFaultInjection runs a seeded schedule of commands against the four
// services on a three-node NATS cluster while faults are injected, then
// checks the invariants (faults.Check). On failure it prints the seed that
// repeats the schedule (the interleavings with the services' own timing
// may differ).
func TestFaultInjection(t *testing.T) {
	optIn(t, "the fault-injection run takes about two minutes")
	p := plan(t)
	t.Logf("seed %d (repeat with %s=%d)", p.Seed, envSeed, p.Seed)
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	if os.Getenv(envLogs) == "1" {
		log = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	nats := natscluster.Start(t, 3)
	start := time.Now()
	rep, err := faults.Run(t.Context(), nats, t.TempDir(), p, log, t.Logf)
	judge(t, p, rep, err, time.Since(start))
}

// judge prints the run's figures (and writes them to SLIPWAY_FAULTS_REPORT
// when set) and fails t, naming the seed, when the run could not be carried
// out, broke an invariant, saw a service stop on its own, or proved little.
func judge(t *testing.T, p faults.Plan, rep faults.Report, err error, took time.Duration) {
	t.Helper()
	figures := rep.Markdown()
	t.Logf("run took %s\n%s", took.Round(time.Second), figures)
	if path := os.Getenv(envReport); path != "" {
		if werr := os.WriteFile(path, []byte(figures), 0o644); werr != nil {
			t.Errorf("write %s: %v", path, werr)
		}
	}
	if err != nil {
		t.Fatalf("seed %d: the run could not be carried out: %v", p.Seed, err)
	}
	if len(rep.Violations) > 0 || len(rep.ServiceFailures) > 0 {
		t.Fatalf("seed %d: %d invariant violations, %d service failures (repeat with %s=%d)", p.Seed, len(rep.Violations),
			len(rep.ServiceFailures), envSeed, p.Seed)
	}
	stored := 0
	for _, op := range rep.Ops {
		if op.Answer.OperationID != "" {
			stored++
		}
	}
	if stored < 10 || len(rep.Faults) < max(len(p.Kinds), len(faults.FaultKinds))/2 {
		t.Fatalf("seed %d: the run proved little: %d commands stored, %d faults injected", p.Seed, stored, len(rep.Faults))
	}
}
