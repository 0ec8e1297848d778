package cluster

import (
	"context"
	"fmt"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/rollout"
)

// Observe reads a Deployment as a rollout of the given revision, whose pods
// carry templateRevision in their revision label. ok is false when the
// Deployment does not (yet) run that template.
//
// Complete follows `kubectl rollout status`: the controller has observed the
// latest generation, and every replica is updated and available with no old
// ones left.
func Observe(d *appsv1.Deployment, revision, templateRevision int, now time.Time) (rollout.Observation, bool) {
	if d.Spec.Template.Labels[kube.LabelRevision] != strconv.Itoa(templateRevision) {
		return rollout.Observation{}, false
	}
	desired := int32(1)
	if d.Spec.Replicas != nil {
		desired = *d.Spec.Replicas
	}
	st := d.Status
	obs := rollout.Observation{
		Revision: revision, Time: now,
		Replicas: events.Replicas{Desired: desired, Updated: st.UpdatedReplicas, Ready: st.ReadyReplicas, Available: st.AvailableReplicas,
			Total: st.Replicas, Surge: max(st.Replicas-desired, 0)},
	}
	for _, c := range st.Conditions {
		obs.Conditions = append(obs.Conditions, events.Condition{Type: string(c.Type), Status: string(c.Status), Reason: c.Reason})
		if c.Type == appsv1.DeploymentProgressing && c.Status == corev1.ConditionFalse && c.Reason == "ProgressDeadlineExceeded" {
			obs.DeadlineExceeded = true
		}
	}
	observed := st.ObservedGeneration >= d.Generation
	// Until the controller has observed the latest spec, its status (counts
	// and a ProgressDeadlineExceeded left by the previous template) describes
	// the previous generation and must not decide anything.
	obs.Stale = !observed
	obs.Complete = observed && !obs.DeadlineExceeded && st.UpdatedReplicas == desired &&
		st.Replicas == st.UpdatedReplicas && st.AvailableReplicas == st.UpdatedReplicas
	return obs, true
}

// Watch calls fn with the Deployment each time it changes, and at least every
// resync, until fn returns true or ctx ends. A missing Deployment is passed as nil.
func Watch(ctx context.Context, client kubernetes.Interface, ns, name string, resync time.Duration, fn func(*appsv1.Deployment) bool) error {
	deps := client.AppsV1().Deployments(ns)
	for {
		d, err := deps.Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			d = nil
		case err != nil:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("get deployment %s/%s: %w", ns, name, err)
		}
		if fn(d) {
			return nil
		}
		opts := metav1.ListOptions{FieldSelector: "metadata.name=" + name}
		if d != nil {
			opts.ResourceVersion = d.ResourceVersion
		}
		w, err := deps.Watch(ctx, opts)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("watch deployment %s/%s: %w", ns, name, err)
		}
		if done, err := drain(ctx, w, name, resync, fn); done || err != nil {
			return err
		}
	}
}

// drain feeds watch events to fn until fn is done, the watch ends, or resync
// passes; the caller then re-reads and watches again.
func drain(ctx context.Context, w watch.Interface, name string, resync time.Duration, fn func(*appsv1.Deployment) bool) (bool, error) {
	defer w.Stop()
	timer := time.NewTimer(resync)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return true, ctx.Err()
		case <-timer.C:
			return false, nil
		case ev, open := <-w.ResultChan():
			if !open {
				return false, nil
			}
			d, ok := ev.Object.(*appsv1.Deployment)
			if !ok || d.Name != name {
				continue // the fake clientset ignores field selectors
			}
			if ev.Type == watch.Deleted {
				d = nil
			}
			if fn(d) {
				return true, nil
			}
		}
	}
}
