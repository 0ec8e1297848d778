package kubeplane

import (
	"context"
	"errors"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// ErrProgressDeadline wraps the error RolloutStatus returns when a
// Deployment reports ProgressDeadlineExceeded.
var ErrProgressDeadline = errors.New("progress deadline exceeded")

// RolloutStatus applies the `kubectl rollout status` rule to d: done once
// the controller has observed the latest generation and every replica is
// updated and available with no old replica left. A Progressing condition
// with reason ProgressDeadlineExceeded is an error wrapping
// ErrProgressDeadline. msg describes what is still awaited.
func RolloutStatus(d *appsv1.Deployment) (done bool, msg string, err error) {
	if d.Generation > d.Status.ObservedGeneration {
		return false, "waiting for the deployment spec update to be observed", nil
	}
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentProgressing && c.Reason == "ProgressDeadlineExceeded" {
			return false, "", fmt.Errorf("deployment %s/%s: %w: %s", d.Namespace, d.Name, ErrProgressDeadline, c.Message)
		}
	}
	st := d.Status
	if d.Spec.Replicas != nil && st.UpdatedReplicas < *d.Spec.Replicas {
		return false, fmt.Sprintf("%d of %d new replicas updated", st.UpdatedReplicas, *d.Spec.Replicas), nil
	}
	if st.Replicas > st.UpdatedReplicas {
		return false, fmt.Sprintf("%d old replicas pending termination", st.Replicas-st.UpdatedReplicas), nil
	}
	if st.AvailableReplicas < st.UpdatedReplicas {
		return false, fmt.Sprintf("%d of %d updated replicas available", st.AvailableReplicas, st.UpdatedReplicas), nil
	}
	return true, "successfully rolled out", nil
}

// WaitRollout polls Deployment ns/name every 50ms until RolloutStatus says
// done (nil), reports an error (returned), or ctx ends (the ctx error, with
// the last status message).
func WaitRollout(ctx context.Context, cs kubernetes.Interface, ns, name string) error {
	msg := "not fetched yet"
	for {
		d, err := cs.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			var done bool
			if done, msg, err = RolloutStatus(d); done || err != nil {
				return err
			}
		} else {
			msg = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("rollout of %s/%s: %w (%s)", ns, name, ctx.Err(), msg)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// PodReady reports whether pod has condition Ready=True.
func PodReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
