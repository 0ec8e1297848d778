package cluster

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	appsac "k8s.io/client-go/applyconfigurations/apps/v1"
	"k8s.io/client-go/kubernetes"

	"slipway.dev/pkg/kube"
)

// ErrNewerApplied means the Deployment already runs a later revision than
// the one being applied: a newer rollout overtook this one, which must not
// put the older spec back.
var ErrNewerApplied = errors.New("a later revision is already applied")

// guardAttempts bounds the retries of a guarded apply that keeps losing
// the race for the same Deployment.
const guardAttempts = 10

// applyNotOlder applies a revision's main Deployment unless the live one
// carries a later revision (kube.AnnotationRevision): the check and the
// write are one step, the write conditional on the resourceVersion the
// check read, so two drivers of the same deployment (a rollout and the one
// superseding it, on one worker or two) cannot leave the older revision
// applied. A Deployment not there yet is created unconditionally and read
// back: an older revision created in the same instant is applied over.
func applyNotOlder(ctx context.Context, client kubernetes.Interface, dep *appsac.DeploymentApplyConfiguration) error {
	want := revisionIn(dep.Annotations)
	ns, name := *dep.Namespace, *dep.Name
	// The condition goes on a copy: callers reuse dep (the drift check's dry
	// run applies it again, where a stale version would read as drift).
	objMeta := *dep.ObjectMetaApplyConfiguration
	guarded := *dep
	guarded.ObjectMetaApplyConfiguration = &objMeta
	dep = &guarded
	for range guardAttempts {
		live, err := client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		created := apierrors.IsNotFound(err)
		switch {
		case created:
			dep.ResourceVersion = nil
		case err != nil:
			return fmt.Errorf("read deployment %s/%s: %w", ns, name, err)
		default:
			if err := notOlder(live, want); err != nil {
				return err
			}
			rv := live.ResourceVersion
			dep.ResourceVersion = &rv
		}
		err = ApplyDeployment(ctx, client, dep)
		if apierrors.IsConflict(err) || (created && apierrors.IsAlreadyExists(err)) {
			continue // changed since it was read: judge again
		}
		if err != nil || !created {
			return err
		}
		back, err := client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err == nil && revisionIn(back.Annotations) >= want {
			return nil
		}
	}
	return fmt.Errorf("apply deployment %s/%s: changed by others %d times while applying revision %d", ns, name, guardAttempts, want)
}

// notOlder refuses to apply revision want over live when live carries a
// later one.
func notOlder(live *appsv1.Deployment, want int) error {
	if have := revisionIn(live.Annotations); have > want {
		return fmt.Errorf("deployment %s/%s: revision %d over %d: %w", live.Namespace, live.Name, have, want, ErrNewerApplied)
	}
	return nil
}

// revisionIn is the revision an annotation set names; 0 for none (a
// Deployment applied before the annotation existed).
func revisionIn(annotations map[string]string) int {
	n, _ := strconv.Atoi(annotations[kube.AnnotationRevision])
	return n
}
