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

// autoscale does what the HPA controller does when it has no metrics: it
// holds d's spec.replicas within the min and max of each autoscaler
// targeting d (an unset count is read as 1, the apiserver's default). With
// no metrics simulated, nothing scales within the range, so only a write to
// d or to one of its autoscalers can move it out of range. d is updated in
// place so that this tick's Step sees the new count.
func (c *Cluster) autoscale(ctx context.Context, d *appsv1.Deployment) error {
	var errs []error
	for _, name := range c.changes.autoscalersOf(types.NamespacedName{Namespace: d.Namespace, Name: d.Name}) {
		h, err := c.fake.AutoscalingV2().HorizontalPodAutoscalers(d.Namespace).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("get horizontalpodautoscaler %s/%s: %w", d.Namespace, name, err))
			continue
		}
		ref := h.Spec.ScaleTargetRef
		if ref.Kind != "Deployment" || ref.Name != d.Name {
			continue // retargeted meanwhile
		}
		lo, hi := int32(1), h.Spec.MaxReplicas
		if h.Spec.MinReplicas != nil {
			lo = *h.Spec.MinReplicas
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
