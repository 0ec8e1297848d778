package cluster

import (
	"context"
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	appsac "k8s.io/client-go/applyconfigurations/apps/v1"
	"k8s.io/client-go/kubernetes"

	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/manifest"
)

// applyAutoscaled writes a Deployment whose replicas its autoscaler owns,
// then the autoscaler. Slipway's apply leaves spec.replicas out, and server-side
// apply resets a field to its default (1) when its only owner leaves it out,
// so the field is first handed over (the Kubernetes "transferring ownership"
// recipe): while Slipway's manager owns it, the count (clamped to min..max)
// is applied by the handover manager too, which keeps the field once Slipway
// lets go and until the autoscaler writes it. A new Deployment is created at
// the minimum, owned by Slipway until its next apply.
func applyAutoscaled(ctx context.Context, client kubernetes.Interface, objs manifest.Objects) error {
	dep := objs.Deployment
	ns, name := *dep.Namespace, *dep.Name
	live, err := client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		// Created at the minimum; the next apply hands the field over.
		if err := ApplyDeployment(ctx, client, withReplicas(dep, objs.MinReplicas)); err != nil {
			return fmt.Errorf("apply deployment %s/%s: %w", ns, name, err)
		}
	case err != nil:
		return fmt.Errorf("read deployment %s/%s: %w", ns, name, err)
	default:
		// The handover writes in between, so this path checks without the
		// resourceVersion condition applyNotOlder adds.
		if err := notOlder(live, revisionIn(dep.Annotations)); err != nil {
			return err
		}
		if ownsReplicas(live, kube.FieldManager) {
			n := clamp(replicasOf(live), objs.MinReplicas, *objs.Autoscaler.Spec.MaxReplicas)
			if err := handOver(ctx, client, ns, name, n); err != nil {
				return err
			}
		}
		if err := ApplyDeployment(ctx, client, dep); err != nil {
			return fmt.Errorf("apply deployment %s/%s: %w", ns, name, err)
		}
	}
	hpa := objs.Autoscaler
	if err := traced(ctx, "kubernetes apply HorizontalPodAutoscaler", ns+"/"+*hpa.Name, func(ctx context.Context) error {
		_, err := client.AutoscalingV2().HorizontalPodAutoscalers(ns).Apply(ctx, hpa, applyOpts)
		return err
	}); err != nil {
		return fmt.Errorf("apply horizontalpodautoscaler %s/%s: %w", ns, *hpa.Name, err)
	}
	return nil
}

// handOver applies spec.replicas = n as the handover manager.
func handOver(ctx context.Context, client kubernetes.Interface, ns, name string, n int32) error {
	cfg := appsac.Deployment(name, ns).WithSpec(appsac.DeploymentSpec().WithReplicas(n))
	opts := metav1.ApplyOptions{FieldManager: kube.HandoverFieldManager, Force: true}
	if err := traced(ctx, "kubernetes apply Deployment replicas handover", ns+"/"+name, func(ctx context.Context) error {
		_, err := client.AppsV1().Deployments(ns).Apply(ctx, cfg, opts)
		return err
	}); err != nil {
		return fmt.Errorf("hand replicas of deployment %s/%s to the autoscaler: %w", ns, name, err)
	}
	return nil
}

// DeleteAutoscaler deletes a deployment's HorizontalPodAutoscaler; none is fine.
func DeleteAutoscaler(ctx context.Context, client kubernetes.Interface, ns, name string) error {
	err := client.AutoscalingV2().HorizontalPodAutoscalers(ns).Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete horizontalpodautoscaler %s/%s: %w", ns, name, err)
	}
	return nil
}

// ownsReplicas reports whether manager's apply owns the Deployment's spec.replicas.
func ownsReplicas(d *appsv1.Deployment, manager string) bool {
	for _, mf := range d.ManagedFields {
		if mf.Manager != manager || mf.Operation != metav1.ManagedFieldsOperationApply || mf.Subresource != "" || mf.FieldsV1 == nil {
			continue
		}
		var fields struct {
			Spec map[string]json.RawMessage `json:"f:spec"`
		}
		if json.Unmarshal(mf.FieldsV1.Raw, &fields) == nil {
			if _, ok := fields.Spec["f:replicas"]; ok {
				return true
			}
		}
	}
	return false
}

// withReplicas returns a copy of dep with spec.replicas set.
func withReplicas(dep *appsac.DeploymentApplyConfiguration, n int32) *appsac.DeploymentApplyConfiguration {
	out := *dep
	spec := *dep.Spec
	spec.Replicas = &n
	out.Spec = &spec
	return &out
}

func replicasOf(d *appsv1.Deployment) int32 {
	if d.Spec.Replicas == nil {
		return 1
	}
	return *d.Spec.Replicas
}

func clamp(n, lo, hi int32) int32 {
	return max(lo, min(n, hi))
}
