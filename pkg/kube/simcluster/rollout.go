package simcluster

import (
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
)

// ErrProgressDeadlineExceeded is returned (wrapped) by RolloutStatus when the
// Deployment's Progressing condition reports ProgressDeadlineExceeded.
var ErrProgressDeadlineExceeded = errors.New("progress deadline exceeded")

// RolloutStatus judges d the way `kubectl rollout status` does: done once
// the controller observed the current generation and all desired replicas
// are updated and available with no old replicas left; an error wrapping
// ErrProgressDeadlineExceeded once the rollout timed out. msg is kubectl's
// progress message. An unset spec.replicas counts as DefaultReplicas.
func RolloutStatus(d *appsv1.Deployment) (msg string, done bool, err error) {
	if d.Generation > d.Status.ObservedGeneration {
		return "Waiting for deployment spec update to be observed...", false, nil
	}
	if c := condition(d.Status, appsv1.DeploymentProgressing); c != nil && c.Reason == ReasonProgressDeadlineExceeded {
		return "", false, fmt.Errorf("deployment %q: %w", d.Name, ErrProgressDeadlineExceeded)
	}
	st := d.Status
	if replicas := int32(DesiredReplicas(d)); st.UpdatedReplicas < replicas {
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d out of %d new replicas have been updated...",
			d.Name, st.UpdatedReplicas, replicas), false, nil
	}
	if st.Replicas > st.UpdatedReplicas {
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d old replicas are pending termination...",
			d.Name, st.Replicas-st.UpdatedReplicas), false, nil
	}
	if st.AvailableReplicas < st.UpdatedReplicas {
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d of %d updated replicas are available...",
			d.Name, st.AvailableReplicas, st.UpdatedReplicas), false, nil
	}
	return fmt.Sprintf("deployment %q successfully rolled out", d.Name), true, nil
}
