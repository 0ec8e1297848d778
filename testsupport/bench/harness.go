package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"slipway.dev/pkg/kube/localplane"
)

// Config says which benchmarks to run and how big.
type Config struct {
	// Only names the benchmarks to run (all when empty); see Names.
	Only []string
	// Quick runs CI-sized benchmarks (about 2 minutes in all).
	Quick bool
	// Sizes are the fleet sizes of the queries benchmark (default 100 and
	// 1,000; 10,000 is slow on FerretDB's SQLite backend).
	Sizes []int
	// DataDir holds the stacks' data (default: a temporary folder, removed).
	DataDir string
	// CPUProfileDir, when set, receives a CPU profile of each Slipway
	// measurement (<benchmark>.pprof); the whole process is profiled, so
	// NATS, FerretDB and every service show up.
	CPUProfileDir string
	// HeapProfileDir, when set, receives heap profiles: the soak's when its
	// fleet is created and at its end (soak-start.heap, soak-end.heap;
	// compare with `go tool pprof -base`), and each fleet's once all of it
	// changed (<label>-changed.heap).
	HeapProfileDir string
	// NoLocal skips the local control plane even when its binaries exist.
	NoLocal bool
	// MonitorOutput names a file with the output of MonitorCommand, which
	// bench/run.sh runs; the monitor benchmark reads it.
	MonitorOutput string
	// FleetSizes are the fleet benchmark's sizes on the simulated target
	// (nil: 1,000 and 10,000, -quick: 40; empty: none); LocalFleetSize is its size on
	// the local plane (default 1,000; -quick: 20).
	FleetSizes     []int
	LocalFleetSize int
	// PlaneQPS, when above 0, raises the local plane's controller-manager
	// and scheduler client rate (localplane.Options.ControllerQPS), for
	// fleets its shipped rate would take hours over. It applies to the
	// direct baseline alike.
	PlaneQPS int
	// FleetFootprintOnly creates each fleet, leaves drift and health at
	// work on it for FootprintIdle (default 3 minutes), and reports its
	// memory, consumers and error lines without the baseline and the
	// change: the way to measure 10,000 deployments on the local plane,
	// whose creation alone takes most of an hour on 2 cores.
	FleetFootprintOnly bool
	FootprintIdle      time.Duration
	// SoakSize and SoakDuration size the soak (default 1,000 deployments
	// for 30 minutes; -quick: 20 for 2 minutes).
	SoakSize     int
	SoakDuration time.Duration
	// ServiceBinDir holds the service binaries (ServiceBinaries) the fleet
	// benchmark runs as processes on the local plane.
	ServiceBinDir string
	// Isolate, when set, is the path of slipway-bench: each simulated
	// fleet and the soak then run in a child process of it (see inChild).
	Isolate string
	// Logf reports progress (default: none).
	Logf func(format string, args ...any)
}

// benchmark is one named benchmark.
type benchmark struct {
	name string
	doc  string
	run  func(context.Context, *env) ([]Row, error)
}

var benchmarks = []benchmark{
	{"intake", "PATCH -> 202 durably in JetStream vs synchronous js.Publish", runIntake},
	{"kubewrite", "command -> first Kubernetes write vs a direct server-side apply", runKubeWrite},
	{"rollout", "4-replica rolling update through Slipway vs applied directly (local plane)", runRollout},
	{"visible", "event -> visible in GET at steady rates vs a raw consume/upsert/find pipeline", runVisible},
	{"replay", "replay rebuild of the read models vs raw upserts", runReplay},
	{"queries", "fleet list with label filter and search vs the raw driver query", runQueries},
	{"monitor", "health monitor footprint (its go test benchmark, run by bench/run.sh)", runMonitor},
	{"fleet", "one image change to a whole fleet vs the same Deployments applied directly", runFleet},
	{"soak", "a fleet left running with a trickle of updates: RSS, consumers, errors, rollouts", runSoak},
	{"canary", "heap and CPU of canaries held in flight vs the same deployments settled (simulated)", runCanary},
}

// DefaultTimeout is how long a run of cfg may take: 10 minutes for the
// other benchmarks, plus a bound on the fleet and the soak when selected
// (both wait with limits of their own, so a stalled fleet ends in time).
func DefaultTimeout(cfg Config) time.Duration {
	d := 10 * time.Minute
	e := &env{cfg: cfg}
	if e.selected("fleet") {
		for _, n := range e.fleetSizes() {
			d += 5*time.Minute + 4*e.fleetPhaseLimit(fleetSimulated, n) // create, copies, baseline, change
		}
		if n := e.localFleetSize(); n > 0 {
			d += 5*time.Minute + 4*e.fleetPhaseLimit(fleetLocal, n)
		}
	}
	if e.selected("soak") {
		d += 5*time.Minute + e.soakDuration() + 2*e.phaseLimit(e.soakSize())
	}
	return d
}

// selected says whether the benchmark named name runs.
func (e *env) selected(name string) bool {
	return len(e.cfg.Only) == 0 || slices.Contains(e.cfg.Only, name)
}

// Names lists the benchmarks with one line on each.
func Names() []string {
	out := make([]string, 0, len(benchmarks))
	for _, b := range benchmarks {
		out = append(out, b.name+": "+b.doc)
	}
	return out
}

// env is what a benchmark run shares: the config and a local plane stack.
type env struct {
	cfg   Config
	dir   string
	local *Stack
}

// Run runs the selected benchmarks one after another and returns their
// rows. A benchmark that fails is reported in its row and the others run.
func Run(ctx context.Context, cfg Config) ([]Row, error) {
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	for _, name := range cfg.Only {
		if !slices.ContainsFunc(benchmarks, func(b benchmark) bool { return b.name == name }) {
			return nil, fmt.Errorf("unknown benchmark %q", name)
		}
	}
	e := &env{cfg: cfg, dir: cfg.DataDir}
	if e.dir == "" {
		dir, err := os.MkdirTemp("", "slipway-bench-")
		if err != nil {
			return nil, err
		}
		defer func() { _ = os.RemoveAll(dir) }()
		e.dir = dir
	}
	defer e.close()
	var rows []Row
	var errs []error
	for _, b := range benchmarks {
		if !e.selected(b.name) {
			continue
		}
		began := time.Now()
		cfg.Logf("%s: %s", b.name, b.doc)
		got, err := b.run(ctx, e)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", b.name, err))
			got = append(got, Row{Benchmark: b.name, Skipped: "failed: " + err.Error()})
		}
		cfg.Logf("%s: done in %s", b.name, time.Since(began).Round(time.Second))
		rows = append(rows, got...)
		if ctx.Err() != nil {
			break
		}
	}
	return rows, errors.Join(errs...)
}

// runMonitor reads the health monitor's footprint benchmark output.
func runMonitor(_ context.Context, e *env) ([]Row, error) {
	if e.cfg.MonitorOutput == "" {
		return []Row{{Benchmark: "health monitor footprint", Skipped: "no -monitor output given; bench/run.sh runs " + MonitorCommand}}, nil
	}
	f, err := os.Open(e.cfg.MonitorOutput)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	return MonitorRows(f)
}

// pick returns quick in quick mode, else full.
func (e *env) pick(quick, full int) int {
	if e.cfg.Quick {
		return quick
	}
	return full
}

// simStack starts a stack on a simulated cluster in a folder of its own.
func (e *env) simStack(ctx context.Context, name string) (*Stack, error) {
	return StartStack(ctx, StackOptions{DataDir: filepath.Join(e.dir, name), Cluster: ClusterSimulated})
}

// localStack returns the stack on the local plane, started on first use,
// or a reason to skip when the plane's binaries are missing.
func (e *env) localStack(ctx context.Context) (*Stack, string, error) {
	if e.local != nil {
		return e.local, "", nil
	}
	if e.cfg.NoLocal {
		return nil, "local control plane disabled (-local=false)", nil
	}
	if ok, reason := localplane.Available(); !ok {
		return nil, reason + " (build with: bash scripts/kubeplane/build.sh)", nil
	}
	began := time.Now()
	s, err := StartStack(ctx, StackOptions{DataDir: filepath.Join(e.dir, "local"), Cluster: ClusterLocal})
	if err != nil {
		return nil, "", fmt.Errorf("local plane stack: %w", err)
	}
	e.cfg.Logf("local plane stack started in %s", time.Since(began).Round(100*time.Millisecond))
	e.local = s
	return s, "", nil
}

func (e *env) close() {
	if e.local != nil {
		if err := e.local.Close(); err != nil {
			e.cfg.Logf("stop local stack: %v", err)
		}
	}
}

// heapProfile writes a heap profile named name after a collection, when
// heap profiling is on.
func (e *env) heapProfile(name string) error {
	if e.cfg.HeapProfileDir == "" {
		return nil
	}
	if err := os.MkdirAll(e.cfg.HeapProfileDir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(e.cfg.HeapProfileDir, name+".heap"))
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	runtime.GC()
	return pprof.Lookup("heap").WriteTo(f, 0)
}

// profile runs fn under a CPU profile named name when profiling is on.
func (e *env) profile(name string, fn func() error) error {
	if e.cfg.CPUProfileDir == "" {
		return fn()
	}
	if err := os.MkdirAll(e.cfg.CPUProfileDir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(e.cfg.CPUProfileDir, strings.ReplaceAll(name, " ", "-")+".pprof"))
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	return fn()
}
