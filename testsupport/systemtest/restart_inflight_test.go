package systemtest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"slipway.dev/cmd/slipway/devstack"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube/simcluster"
	"slipway.dev/testsupport/devstacktest"
)

// TestRestartResumesRolloutsInFlight stops the stack while rollouts are in
// flight and starts it again on the same data with a new simulated cluster,
// as `slipway dev` restarts: the worker knows its targets before it drives a
// rollout, so every rollout resumes and succeeds; none fails TargetUnavailable.
func TestRestartResumesRolloutsInFlight(t *testing.T) {
	t.Parallel()
	const n = 12
	dir := t.TempDir()
	sim := simcluster.New(simcluster.Options{ReadyAfter: 40}) // pods Ready after 4 s: rollouts stay in flight
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = sim.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	first, err := devstack.Start(t.Context(), devstack.Options{DataDir: dir, Addr: "127.0.0.1:0", Cluster: sim, Logger: devstacktest.Quiet(),
		TargetTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	api := devstacktest.Client(first)
	waitForTargets(t, api)
	ops := make([]string, n)
	for i := range n {
		resp := api.Do(t, http.MethodPost, deploymentsPath, createBody(fmt.Sprintf("inflight-%d", i), 1))
		if resp.Status != http.StatusAccepted {
			t.Fatalf("create: %d %s", resp.Status, resp.Body)
		}
		ops[i] = resp.JSON(t)["id"].(string)
	}
	deadline := time.Now().Add(30 * time.Second)
	for i := range n {
		ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: fmt.Sprintf("inflight-%d", i)}
		for countTypes(history(t, first.NATSURL, ref))[events.RolloutStarted{}.Type()] == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("%s never started", ref)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	// The folder remembers its cluster, so `slipway dev` (auto) restarted
	// after the local plane's binaries appeared stays on the simulated one.
	if b, err := os.ReadFile(filepath.Join(dir, "cluster")); err != nil || string(b) != devstack.ClusterSimulated+"\n" {
		t.Fatalf("cluster record: %q, %v", b, err)
	}

	second, api2 := start(t, devstack.Options{DataDir: dir, TargetTimeout: 5 * time.Second})
	for i, op := range ops {
		resp := api2.Do(t, http.MethodGet, "/v1/operations/"+op+"?wait=60s", nil)
		if resp.Status != http.StatusOK || resp.JSON(t)["status"] != "succeeded" {
			t.Errorf("inflight-%d after restart: %d %s", i, resp.Status, resp.Body)
		}
		ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: fmt.Sprintf("inflight-%d", i)}
		if types := countTypes(history(t, second.NATSURL, ref)); types[events.RolloutFailed{}.Type()] != 0 {
			t.Errorf("inflight-%d: a rollout failed: %v", i, types)
		}
	}
}
