package bench

import (
	"context"
	"fmt"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
)

// runKubeWrite measures command -> first Kubernetes write on the simulated
// target and, when its binaries are built, the local control plane.
func runKubeWrite(ctx context.Context, e *env) ([]Row, error) {
	s, err := e.simStack(ctx, "kubewrite")
	if err != nil {
		return nil, err
	}
	rows, err := kubeWrite(ctx, e, s, "simulated", e.pick(10, 40))
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return rows, err
	}
	local, skip, err := e.localStack(ctx)
	if err != nil {
		return rows, err
	}
	if skip != "" {
		return append(rows, Row{Benchmark: "command -> first k8s write (local plane): p99", Skipped: skip,
			Target: atMost(50, "ms")}), nil
	}
	more, err := kubeWrite(ctx, e, local, "local plane", e.pick(10, 30))
	return append(rows, more...), err
}

// kubeWrite times n PATCHes (an env change, so a new pod template) from
// the request to the first watch event showing the Deployment's new
// generation, against a server-side apply of the same change to a
// Deployment of the same shape by the same client, timed the same way.
// Each rollout finishes before the next change.
func kubeWrite(ctx context.Context, e *env, s *Stack, label string, n int) ([]Row, error) {
	c := newClient(s.URL)
	ref := events.DeploymentRef{Owner: "bench", Project: "kubewrite", Name: "scorer"}
	if err := c.create(ctx, ref, map[string]string{"team": "risk"}, spec("ghcr.io/acme/scorer:1.0", 1)); err != nil {
		return nil, err
	}
	obj, err := c.objectName(ctx, ref)
	if err != nil {
		return nil, err
	}
	cs, ns := s.Target.Client, s.Target.Namespace
	template, err := cs.AppsV1().Deployments(ns).Get(ctx, obj, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	w, err := watchDeployments(wctx, cs, ns)
	if err != nil {
		return nil, err
	}
	direct := "bench-direct-kubewrite"
	applyN := func(i int) error {
		return directApply(ctx, cs, template, direct, func(c *corev1ac.ContainerApplyConfiguration) {
			setEnv(c, "BENCH_N", strconv.Itoa(i))
		})
	}
	if err := applyN(0); err != nil {
		return nil, err
	}
	if _, err := w.waitDone(ctx, direct, 1); err != nil {
		return nil, err
	}
	var slip, raw latencies
	var traces []commandTrace
	err = e.profile("kubewrite-"+label, func() error {
		for i := 1; i <= n; i++ {
			gen := w.generation(obj) + 1
			began := time.Now()
			op, err := c.patch(ctx, ref, fmt.Sprintf("kubewrite-%d", i), map[string]any{"env": map[string]string{"BENCH_N": strconv.Itoa(i)}}, "")
			if err != nil {
				return err
			}
			accepted := time.Now()
			at, err := w.waitGeneration(ctx, obj, gen)
			if err != nil {
				return err
			}
			slip = append(slip, at.Sub(began))
			traces = append(traces, commandTrace{op: op.ID, sent: began, accepted: accepted, written: at})
			if status, err := c.waitOperation(ctx, op.ID); err != nil || status != "succeeded" {
				return fmt.Errorf("update %d: %s %v", i, status, err)
			}

			gen = w.generation(direct) + 1
			began = time.Now()
			if err := applyN(i); err != nil {
				return err
			}
			if at, err = w.waitGeneration(ctx, direct, gen); err != nil {
				return err
			}
			raw = append(raw, at.Sub(began))
			if _, err := w.waitDone(ctx, direct, gen); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	hops, err := commandHops(ctx, s, ref, traces)
	if err != nil {
		return nil, err
	}
	name := "command -> first k8s write (" + label + ")"
	note := fmt.Sprintf("%d PATCHes (env change, 1 replica) vs direct server-side apply, each timed from the request to the watch "+
		"event of the new generation; Slipway's hops p50/p99: %s", n, hops)
	p99 := Row{Benchmark: name + ": p99", Slipway: slip.quantile(0.99), Baseline: raw.quantile(0.99), Unit: "ms"}
	if label != "simulated" {
		p99.Target = atMost(50, "ms")
	}
	return []Row{
		{Benchmark: name + ": p50", Slipway: slip.quantile(0.5), Baseline: raw.quantile(0.5), Unit: "ms", Note: note},
		p99,
	}, nil
}

// commandTrace is when one command was sent, answered 202 and seen
// written to Kubernetes.
type commandTrace struct {
	op                      string
	sent, accepted, written time.Time
}

// commandHops splits the traced commands' latency at the events they
// caused (times the worker stamped on them): request -> 202 (intake),
// -> RevisionCreated (the worker decided), -> RolloutStarted (the driver
// took the rollout and a slot), -> the watch event (render, server-side
// apply of Service and Deployment, watch delivery). It returns p50/p99 of
// each, in milliseconds.
func commandHops(ctx context.Context, s *Stack, ref events.DeploymentRef, traces []commandTrace) (string, error) {
	conn, err := bus.Connect(ctx, s.NATSURL, "bench-hops")
	if err != nil {
		return "", err
	}
	defer conn.Close()
	history, _, err := conn.History(ctx, events.DeploymentSubject(ref))
	if err != nil {
		return "", err
	}
	decided, started := map[string]time.Time{}, map[string]time.Time{}
	for _, rec := range history {
		switch rec.Message.(type) {
		case events.RevisionCreated:
			decided[rec.Envelope.CorrelationID] = rec.Envelope.Time
		case events.RolloutStarted:
			started[rec.Envelope.CorrelationID] = rec.Envelope.Time
		}
	}
	var intake, decide, start, apply latencies
	for _, t := range traces {
		d, ok1 := decided[t.op]
		st, ok2 := started[t.op]
		if !ok1 || !ok2 {
			return "", fmt.Errorf("operation %s: no RevisionCreated or RolloutStarted in the history", t.op)
		}
		intake, decide = append(intake, t.accepted.Sub(t.sent)), append(decide, d.Sub(t.accepted))
		start, apply = append(start, st.Sub(d)), append(apply, t.written.Sub(st))
	}
	hop := func(l latencies) string { return fmt.Sprintf("%.1f/%.1f", l.quantile(0.5), l.quantile(0.99)) }
	return fmt.Sprintf("202 after %s, decided %s later, rollout started %s later, written %s ms later",
		hop(intake), hop(decide), hop(start), hop(apply)), nil
}
