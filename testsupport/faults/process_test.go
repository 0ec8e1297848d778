package faults_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"slipway.dev/testsupport/e2e"
	"slipway.dev/testsupport/faults"
	"slipway.dev/testsupport/kubeplane"
	"slipway.dev/testsupport/natscluster"
)

// processPlan is plan's schedule for the process stack: every kind of
// faults.ProcessFaultKinds, the kube-apiserver down as long as the store
// (8 s in CI, 30 s in the long run). The CI size is shorter than the
// in-process one's (30 s of commands, faults held 2-4 s, 1-3 s apart): the
// first round of nine kinds takes about a minute whatever the duration.
func processPlan(t *testing.T) faults.Plan {
	p := plan(t)
	p.Kinds = faults.ProcessFaultKinds
	p.APIServerOutage = p.StoreOutage
	if os.Getenv(envDuration) == "" {
		p.Duration, p.Hold, p.Gap = 30*time.Second, 4*time.Second, 2*time.Second
	}
	return p
}

// TestFaultInjectionProcesses is TestFaultInjection with the services as
// processes (built once with e2e.BuildServices, killed with SIGKILL) on a
// local Kubernetes control plane whose kube-apiserver the schedule stops
// and starts again; the cluster invariant reads the plane's Deployments
// and Services. It runs when SLIPWAY_FAULTS=1 and the plane's binaries are
// present (missing, it fails with SLIPWAY_KUBE_REQUIRED=1, as e2e does).
// On failure it prints the seed and the services' logs.
func TestFaultInjectionProcesses(t *testing.T) {
	optIn(t, "the process fault-injection run takes about three minutes")
	kubeplane.SkipIfUnavailable(t)
	p := processPlan(t)
	t.Logf("seed %d (repeat with %s=%d)", p.Seed, envSeed, p.Seed)
	began := time.Now()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	bins, err := e2e.BuildServices(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	plane := kubeplane.StartT(t, kubeplane.Options{NoTaint: true})
	const namespace = "faults"
	if err := plane.EnsureNamespace(ctx, namespace); err != nil {
		t.Fatal(err)
	}
	nats := natscluster.Start(t, 3)
	t.Logf("binaries, plane and NATS ready in %s", time.Since(began).Round(time.Second))
	start := time.Now()
	target := faults.ProcessTarget{Binaries: bins, Plane: plane, Namespace: namespace}
	rep, logs, err := faults.RunProcesses(t.Context(), nats, target, t.TempDir(), p, slog.New(slog.NewJSONHandler(io.Discard, nil)), t.Logf)
	if t.Failed() || err != nil || len(rep.Violations) > 0 || len(rep.ServiceFailures) > 0 {
		t.Logf("services' logs:\n%s", logs)
	}
	judge(t, p, rep, err, time.Since(start))
}
