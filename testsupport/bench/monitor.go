package bench

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// MonitorCommand is the go test command whose output MonitorRows reads:
// the health monitor's own footprint benchmark (a fake API server with
// 1,000 deployments of 2 pods and an EndpointSlice each).
const MonitorCommand = "go test -run x -bench BenchmarkMonitorFootprint1000 -benchtime 3x slipway.dev/services/health-monitor/"

// The brief's fleet target: 10,000 deployments watched within 1 GiB and 1
// core. The monitor samples every deployment once a second, so one round
// over 10,000 may take up to 1 s of CPU.
const (
	monitorHeapBudgetMB = 1024.0
	monitorCPUBudgetMS  = 1000.0
)

// MonitorRows turns the output of MonitorCommand (which also runs the
// 10,000-deployment variant, as its pattern matches it) into table rows:
// heap and CPU per evaluation round at each size, against the target scaled
// to the size. There is no raw baseline: the ratio column stays empty.
func MonitorRows(r io.Reader) ([]Row, error) {
	var rows []Row
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || !strings.HasPrefix(fields[0], "BenchmarkMonitorFootprint") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(fields[0], "BenchmarkMonitorFootprint"), "-")
		n, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		metrics := map[string]float64{}
		for i := 1; i+1 < len(fields); i++ {
			if v, err := strconv.ParseFloat(fields[i], 64); err == nil {
				metrics[fields[i+1]] = v
			}
		}
		heap, ok1 := metrics["heapMB/1k-deployments"]
		cpu, ok2 := metrics["cpu-ms/round"]
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("monitor benchmark line without heapMB/1k-deployments and cpu-ms/round: %q", sc.Text())
		}
		share := float64(n) / 10000
		label := fmt.Sprintf("health monitor, %s deployments", thousands(int64(n)))
		rows = append(rows,
			Row{Benchmark: label + ": heap", Slipway: heap * float64(n) / 1000, Unit: "MB",
				Target: atMost(monitorHeapBudgetMB*share, "MB"),
				Note:   fmt.Sprintf("%.1f MB per 1,000 (informer caches and state; heap in use after GC beyond the fake API server's objects)", heap)},
			Row{Benchmark: label + ": CPU per 1 s round", Slipway: cpu, Unit: "ms", Target: atMost(monitorCPUBudgetMS*share, "ms"),
				Note: fmt.Sprintf("user+system CPU of one evaluation round; wall %.1f ms", metrics["ms/round"])})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("no BenchmarkMonitorFootprint result in the output of %s", MonitorCommand)
	}
	return rows, nil
}
