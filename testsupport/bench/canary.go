package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"slipway.dev/pkg/events"
)

// canaryWindow is how long CPU is sampled, idle and with the canaries held.
const canaryWindow = 10 * time.Second

// runCanary measures what canaries in flight cost: N deployments (20
// quick, 100 full) on a simulated target each updated to a canary held at
// a pause until promoted (its driver reading its history every 250 ms),
// against the same stack with the N deployments settled. The stack runs in
// this process (all four services), so the figures are the process's
// (the target's rollout limit lifted, since a held canary keeps its slot):
// heap in use after a GC, and CPU over a 10 s window.
func runCanary(ctx context.Context, e *env) ([]Row, error) {
	// A held canary keeps a driver slot, and one worker drives at most
	// SLIPWAY_MAX_ROLLOUTS (64 by default) rollouts at once: the worker here
	// is given room for all of them, as an operator holding 100 canaries
	// would configure it.
	n := e.pick(20, 100)
	heapName := fmt.Sprintf("canary: heap per in-flight canary (%d held, simulated)", n)
	cpuName := fmt.Sprintf("canary: CPU with %d canaries held (simulated)", n)
	// Held canaries keep their rollout slots: the target's limit (10 by
	// default) must admit all N at once.
	s, err := StartStack(ctx, StackOptions{DataDir: filepath.Join(e.dir, "canary"), Cluster: ClusterSimulated, MaxConcurrentRollouts: -1,
		MaxRollouts: n + 16})
	if err != nil {
		return nil, err
	}
	defer func() { _ = s.Close() }()
	c := newClient(s.URL)
	refs := make([]events.DeploymentRef, n)
	for i := range refs {
		refs[i] = events.DeploymentRef{Owner: "bench", Project: "canary", Name: fmt.Sprintf("c%03d", i)}
		if err := c.create(ctx, refs[i], nil, spec("ghcr.io/acme/scorer:1.0", 2)); err != nil {
			return nil, err
		}
	}
	idleHeap, idleCPU, err := sampleProcess(ctx)
	if err != nil {
		return nil, err
	}
	canary := map[string]any{"image": "ghcr.io/acme/scorer:2.0", "rollout": map[string]any{"strategy": "canary",
		"steps": []any{map[string]any{"setWeight": 10}, map[string]any{"pause": map[string]any{}}}}}
	for i, ref := range refs {
		if _, err := c.patch(ctx, ref, fmt.Sprintf("canary-%d", i), canary, ""); err != nil {
			return nil, err
		}
	}
	for _, ref := range refs {
		if err := waitCanaryPause(ctx, c, ref); err != nil {
			return nil, err
		}
	}
	heldHeap, heldCPU, err := sampleProcess(ctx)
	if err != nil {
		return nil, err
	}
	note := fmt.Sprintf("whole devstack process (api, worker, monitor, promoter in one); heap in use after a GC: %.1f MB settled, %.1f MB held",
		idleHeap, heldHeap)
	return []Row{
		{Benchmark: heapName, Slipway: (heldHeap - idleHeap) * 1024 / float64(n), Unit: "KB", Note: note},
		{Benchmark: cpuName, Slipway: heldCPU, Baseline: idleCPU, Unit: "% of a core",
			Note: fmt.Sprintf("baseline: the same %d deployments settled; CPU over %s", n, canaryWindow)},
	}, nil
}

// sampleProcess returns this process's heap in use (MB, after a GC) and its
// CPU use over canaryWindow (% of one core).
func sampleProcess(ctx context.Context) (heapMB, cpuPct float64, err error) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	before, err := readProc(os.Getpid())
	if err != nil {
		return 0, 0, err
	}
	select {
	case <-ctx.Done():
		return 0, 0, ctx.Err()
	case <-time.After(canaryWindow):
	}
	after, err := readProc(os.Getpid())
	if err != nil {
		return 0, 0, err
	}
	return float64(m.HeapInuse) / (1 << 20), 100 * float64(after.CPU-before.CPU) / float64(canaryWindow), nil
}

// waitCanaryPause waits until ref's canary holds at its pause.
func waitCanaryPause(ctx context.Context, c *client, ref events.DeploymentRef) error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		code, _, b, err := c.do(ctx, http.MethodGet, deploymentPath(ref), nil, nil)
		if err != nil {
			return err
		}
		var d struct {
			Rollout *struct {
				Canary *struct {
					Kind string `json:"kind"`
				} `json:"canary"`
			} `json:"rollout"`
		}
		if code == http.StatusOK && json.Unmarshal(b, &d) == nil && d.Rollout != nil && d.Rollout.Canary != nil && d.Rollout.Canary.Kind == events.StepPause {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s: the canary did not reach its pause within 2m", ref)
}
