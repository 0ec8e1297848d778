package bench

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	"slipway.dev/pkg/events"
)

// runRollout measures a 4-replica rolling update (image change, maxSurge 1,
// maxUnavailable 0) through Slipway, PATCH ?wait until the answer says it
// succeeded, against the same change server-side-applied directly to a
// Deployment of the same shape and watched until the `kubectl rollout
// status` rule holds. Local control plane only: the simulated cluster's
// rollouts are paced by its own tick.
func runRollout(ctx context.Context, e *env) ([]Row, error) {
	name := "rollout 4 replicas (local plane): median"
	s, skip, err := e.localStack(ctx)
	if err != nil || skip != "" {
		return []Row{{Benchmark: name, Skipped: skip, Target: atMostRatio(1.2)}}, err
	}
	c := newClient(s.URL)
	ref := events.DeploymentRef{Owner: "bench", Project: "rollout", Name: "scorer"}
	if err := c.create(ctx, ref, map[string]string{"team": "risk"}, spec("ghcr.io/acme/scorer:1.0", 4)); err != nil {
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
	direct := "bench-direct-rollout"
	apply := func(image string) error {
		return directApply(ctx, cs, template, direct, func(c *corev1ac.ContainerApplyConfiguration) { c.WithImage(image) })
	}
	if err := apply("ghcr.io/acme/scorer:1.0"); err != nil {
		return nil, err
	}
	if _, err := w.waitDone(ctx, direct, 1); err != nil {
		return nil, err
	}
	var slip, raw, firstWrite, k8sDone latencies
	err = e.profile("rollout", func() error {
		for i := 1; i <= e.pick(1, 3); i++ {
			image := fmt.Sprintf("ghcr.io/acme/scorer:1.%d", i)
			gen := w.generation(obj) + 1
			began := time.Now()
			op, err := c.patch(ctx, ref, fmt.Sprintf("rollout-%d", i), map[string]any{"image": image}, "300s")
			if err != nil {
				return err
			}
			if op.Status != "succeeded" {
				return fmt.Errorf("rollout %d: operation %s ended %s", i, op.ID, op.Status)
			}
			slip = append(slip, time.Since(began))
			wrote, err := w.waitGeneration(ctx, obj, gen)
			if err != nil {
				return err
			}
			done, err := w.waitDone(ctx, obj, gen)
			if err != nil {
				return err
			}
			firstWrite, k8sDone = append(firstWrite, wrote.Sub(began)), append(k8sDone, done.Sub(began))

			gen = w.generation(direct) + 1
			began = time.Now()
			if err := apply(image); err != nil {
				return err
			}
			if done, err = w.waitDone(ctx, direct, gen); err != nil {
				return err
			}
			raw = append(raw, done.Sub(began))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	note := fmt.Sprintf("%d updates each; Slipway = PATCH ?wait answered succeeded (median first write after %.0f ms, "+
		"Kubernetes done after %.2f s), direct = apply until the rollout-status rule holds", len(slip),
		firstWrite.quantile(0.5), k8sDone.median())
	return []Row{{Benchmark: name, Slipway: slip.median(), Baseline: raw.median(), Unit: "s", Target: atMostRatio(1.2), Note: note}}, nil
}
