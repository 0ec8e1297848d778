package cluster

import (
	"context"
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	appsac "k8s.io/client-go/applyconfigurations/apps/v1"
	coreac "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/client-go/kubernetes"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
)

// ApplyDeployment server-side applies one Deployment.
func ApplyDeployment(ctx context.Context, client kubernetes.Interface, dep *appsac.DeploymentApplyConfiguration) error {
	_, err := ApplyDeploymentVersion(ctx, client, dep)
	return err
}

// ApplyDeploymentVersion is ApplyDeployment answering the applied
// Deployment's resourceVersion.
func ApplyDeploymentVersion(ctx context.Context, client kubernetes.Interface, dep *appsac.DeploymentApplyConfiguration) (string, error) {
	var rv string
	err := traced(ctx, "kubernetes apply Deployment", *dep.Namespace+"/"+*dep.Name, func(ctx context.Context) error {
		d, err := client.AppsV1().Deployments(*dep.Namespace).Apply(ctx, dep, applyOpts)
		if d != nil {
			rv = d.ResourceVersion
		}
		return err
	})
	return rv, err
}

// ApplyService server-side applies one Service.
func ApplyService(ctx context.Context, client kubernetes.Interface, svc *coreac.ServiceApplyConfiguration) error {
	return traced(ctx, "kubernetes apply Service", *svc.Namespace+"/"+*svc.Name, func(ctx context.Context) error {
		_, err := client.CoreV1().Services(*svc.Namespace).Apply(ctx, svc, applyOpts)
		return err
	})
}

// PodsReady counts the ready pods (main or pinned) of a deployment's pod
// template revision: the pods an alias Service for it would select.
func PodsReady(ctx context.Context, client kubernetes.Interface, ns string, ref events.DeploymentRef, templateRevision int) (int, error) {
	sel := labels.SelectorFromSet(labels.Set{kube.LabelOwner: ref.Owner, kube.LabelProject: ref.Project,
		kube.LabelInstance: ref.Name, kube.LabelRevision: strconv.Itoa(templateRevision)})
	pods, err := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return 0, fmt.Errorf("list pods of %s revision %d: %w", ref, templateRevision, err)
	}
	ready := 0
	for _, p := range pods.Items {
		if !sel.Matches(labels.Set(p.Labels)) || p.DeletionTimestamp != nil {
			continue // the fake clientset ignores selectors on some calls
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				ready++
			}
		}
	}
	return ready, nil
}

// Available reports whether a Deployment has observed its spec and all its
// replicas are available.
func Available(d *appsv1.Deployment) bool {
	if d == nil {
		return false
	}
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	return d.Status.ObservedGeneration >= d.Generation && d.Status.AvailableReplicas >= want && d.Status.UpdatedReplicas >= want
}

// PinnedSet is a deployment's pinned Deployments by template revision.
type PinnedSet map[int]PinnedCopy

// PinnedCopy names a pinned Deployment and the version it was read at.
type PinnedCopy struct {
	Name            string
	ResourceVersion string
}

// Pinned lists a deployment's pinned Deployments by template revision.
func Pinned(ctx context.Context, client kubernetes.Interface, ns string, ref events.DeploymentRef) (PinnedSet, error) {
	sel := labels.SelectorFromSet(labels.Set{kube.LabelOwner: ref.Owner, kube.LabelProject: ref.Project, kube.LabelPinnedOf: ref.Name})
	list, err := client.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, fmt.Errorf("list pinned deployments of %s: %w", ref, err)
	}
	out := PinnedSet{}
	for _, d := range list.Items {
		if sel.Matches(labels.Set(d.Labels)) {
			out.add(&d)
		}
	}
	return out, nil
}

// add puts the pinned Deployment d in s under its template revision (its
// revision label); one without a revision is none of Slipway's pins.
func (s PinnedSet) add(d *appsv1.Deployment) {
	if n, err := strconv.Atoi(d.Labels[kube.LabelRevision]); err == nil {
		s[n] = PinnedCopy{Name: d.Name, ResourceVersion: d.ResourceVersion}
	}
}

// DeleteDeployment deletes a Deployment; already gone is fine.
func DeleteDeployment(ctx context.Context, client kubernetes.Interface, ns, name string) error {
	bg := metav1.DeletePropagationBackground
	err := client.AppsV1().Deployments(ns).Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &bg})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete deployment %s/%s: %w", ns, name, err)
	}
	return nil
}

// DeleteService deletes a Service; already gone is fine.
func DeleteService(ctx context.Context, client kubernetes.Interface, ns, name string) error {
	err := client.CoreV1().Services(ns).Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete service %s/%s: %w", ns, name, err)
	}
	return nil
}
