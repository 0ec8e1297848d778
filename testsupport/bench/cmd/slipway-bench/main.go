// Command slipway-bench runs Slipway's benchmarks in this process and
// prints a markdown table of each figure against its raw baseline.
//
//	slipway-bench [-quick] [-only intake,queries] [-n 100,1000,10000] [-cpuprofile DIR]
//
// bench/run.sh at the repository root builds it, runs the health monitor's
// footprint benchmark, and passes that output in with -monitor.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"time"

	"slipway.dev/testsupport/bench"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "slipway-bench:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("slipway-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	only := fs.String("only", "", "comma-separated benchmarks to run (default all): "+names())
	quick := fs.Bool("quick", false, "a CI-sized run (about 2 minutes)")
	sizes := fs.String("n", "", "comma-separated fleet sizes of the queries benchmark (default 100,1000; -quick: 100)")
	data := fs.String("data", "", "folder for the stacks' data (default: a temporary one, removed)")
	profile := fs.String("cpuprofile", "", "write a CPU profile of each Slipway measurement into this folder")
	heap := fs.String("heapprofile", "", "write heap profiles into this folder: the soak's when its fleet is created and at its end, each fleet's once all of it changed")
	local := fs.Bool("local", true, "use the local control plane when its binaries are built")
	monitor := fs.String("monitor", "", "file with the output of `"+bench.MonitorCommand+"` (bench/run.sh runs it)")
	out := fs.String("o", "", "also write the report to this file")
	timeout := fs.Duration("timeout", 0, "stop after this long (default: 10m, plus what the fleet and soak benchmarks need when they run)")
	fleetN := fs.String("fleet-n", "", "comma-separated fleet sizes on the simulated target (default 1000,10000; -quick: 40; none: only the local plane)")
	localN := fs.Int("fleet-local-n", 0, "the fleet's size on the local plane (default 1000; -quick: 20)")
	planeQPS := fs.Int("plane-qps", 0, "the local plane's controller-manager and scheduler client rate, and the target's apiQPS (0: their defaults, 20, 50 and 50); the baseline runs on the same plane")
	footprint := fs.Bool("fleet-footprint-only", false, "create each fleet and leave drift and health at work on it, then report its memory, consumers and error lines: no baseline, no change")
	footprintIdle := fs.Duration("footprint-idle", 0, "how long -fleet-footprint-only leaves the created fleet at work (default 3m)")
	soakN := fs.Int("soak-n", 0, "deployments of the soak (default 1000; -quick: 20)")
	soakFor := fs.Duration("soak", 0, "how long the soak runs (default 30m; -quick: 2m)")
	bins := fs.String("bin", "bin", "folder of the service binaries the fleet benchmark runs on the local plane")
	isolate := fs.Bool("isolate", true, "run each simulated fleet and the soak in a child process, so that a stack that crashes is reported")
	child := fs.Bool("child-json", false, "write the rows as JSON to stdout (how a parent runs this program as its child)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := bench.Config{Quick: *quick, DataDir: *data, CPUProfileDir: *profile, HeapProfileDir: *heap, NoLocal: !*local, MonitorOutput: *monitor,
		LocalFleetSize: *localN, PlaneQPS: *planeQPS, FleetFootprintOnly: *footprint, FootprintIdle: *footprintIdle, SoakSize: *soakN, SoakDuration: *soakFor, ServiceBinDir: *bins,
		Logf: func(format string, a ...any) {
			fmt.Fprintf(stderr, "%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
		}}
	if *only != "" {
		cfg.Only = strings.Split(*only, ",")
	}
	var err error
	if cfg.Sizes, err = fleetSizes("-n", *sizes); err != nil {
		return err
	}
	if cfg.FleetSizes, err = fleetSizes("-fleet-n", *fleetN); err != nil {
		return err
	}
	if *isolate && !*child {
		if cfg.Isolate, err = os.Executable(); err != nil {
			return err
		}
	}
	if *timeout == 0 {
		*timeout = bench.DefaultTimeout(cfg)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	began, load := time.Now(), loadAverage()
	rows, runErr := bench.Run(ctx, cfg)
	if *child {
		return errors.Join(bench.WriteRowsJSON(stdout, rows), runErr)
	}
	var report bytes.Buffer
	fmt.Fprintf(&report, "Run %s on %s (%d CPUs, %s/%s, %s) in %s; load average %s at the start, %s at the end; %s\n\n",
		began.Format("2006-01-02 15:04 MST"), cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(),
		time.Since(began).Round(time.Second), load, loadAverage(), command(args))
	if err := bench.WriteTable(&report, rows); err != nil {
		return err
	}
	if _, err := stdout.Write(report.Bytes()); err != nil {
		return err
	}
	if *out != "" {
		if err := os.WriteFile(*out, report.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return runErr
}

// fleetSizes parses a comma-separated list of fleet sizes.
func fleetSizes(flag, list string) ([]int, error) {
	if list == "none" {
		return []int{}, nil // not nil: none, rather than the default sizes
	}
	var out []int
	for _, s := range strings.Split(list, ",") {
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(strings.ReplaceAll(s, "_", ""))
		if err != nil || n < 2 {
			return nil, fmt.Errorf("%s: %q is not a fleet size", flag, s)
		}
		out = append(out, n)
	}
	return out, nil
}

func names() string {
	var out []string
	for _, n := range bench.Names() {
		name, _, _ := strings.Cut(n, ":")
		out = append(out, name)
	}
	return strings.Join(out, ", ")
}

// loadAverage is the 1-minute load average: other work on a shared machine
// shows up in every figure.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	fields := strings.Fields(string(b))
	if len(fields) == 0 {
		return "unknown"
	}
	return fields[0]
}

func command(args []string) string {
	if len(args) == 0 {
		return "`slipway-bench`"
	}
	return "`slipway-bench " + strings.Join(args, " ") + "`"
}

// cpuModel is the processor's model name, or "unknown CPU".
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
