package simcluster

import (
	"context"
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// autoscalerManager is the field manager of the simulated HPA controller's writes.
const autoscalerManager = "simcluster-horizontal-pod-autoscaler"

// syncAutoscalers does what the HPA controller does when it has no metrics:
// it holds each target Deployment's spec.replicas within the autoscaler's
// min and max (an unset count is read as 1, the apiserver's default). With
// no metrics simulated, nothing scales within the range. deps are updated in
// place so that this tick's Step sees the new count.
func (c *Cluster) syncAutoscalers(ctx context.Context, deps []appsv1.Deployment) error {
	hpas, err := c.fake.AutoscalingV2().HorizontalPodAutoscalers(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list horizontalpodautoscalers: %w", err)
	}
	byName := make(map[types.NamespacedName]*appsv1.Deployment, len(deps))
	for i := range deps {
		byName[types.NamespacedName{Namespace: deps[i].Namespace, Name: deps[i].Name}] = &deps[i]
	}
	var errs []error
	for _, h := range hpas.Items {
		ref := h.Spec.ScaleTargetRef
		if ref.Kind != "Deployment" {
			continue
		}
		lo, hi := int32(1), h.Spec.MaxReplicas
		if h.Spec.MinReplicas != nil {
			lo = *h.Spec.MinReplicas
		}
		d := byName[types.NamespacedName{Namespace: h.Namespace, Name: ref.Name}]
		if d == nil {
			continue
		}
		n := int32(1)
		if d.Spec.Replicas != nil {
			n = *d.Spec.Replicas
		}
		want := max(lo, min(n, hi))
		if want == n && d.Spec.Replicas != nil {
			continue
		}
		out := d.DeepCopy()
		out.Spec.Replicas = &want
		got, err := c.client.AppsV1().Deployments(d.Namespace).Update(ctx, out, metav1.UpdateOptions{FieldManager: autoscalerManager})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("scale deployment %s/%s to %d: %w", d.Namespace, d.Name, want, err))
			continue
		}
		*d = *got
		c.log.Debug("simcluster: autoscaler scaled", "namespace", d.Namespace, "deployment", d.Name, "replicas", want)
	}
	return errors.Join(errs...)
}
