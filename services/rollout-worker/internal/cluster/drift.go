package cluster

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	autoscalingac "k8s.io/client-go/applyconfigurations/autoscaling/v2"
	coreac "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/client-go/kubernetes"

	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/manifest"
)

// Drift is what another field manager changed on an object Slipway manages.
type Drift struct {
	Object   string
	Fields   []string
	Managers []string
	// Live is the Deployment as it is now, for adopting the change (nil
	// for a Service or an autoscaler: their changes are never adopted).
	Live *appsv1.Deployment
	// Deleted: the object is gone (Fields is empty).
	Deleted bool
}

var conflictManager = regexp.MustCompile(`conflict with "([^"]+)"`)

// DetectDrift asks the apiserver, with a non-forced server-side apply dry
// run of what Slipway last applied, whether another manager now owns a field
// Slipway manages with a different value. Such a change is a conflict that
// names the fields and managers; no conflict means no drift.
func DetectDrift(ctx context.Context, client kubernetes.Interface, objs manifest.Objects) (*Drift, error) {
	dep := objs.Deployment
	_, err := client.AppsV1().Deployments(*dep.Namespace).Apply(ctx, dep, dryRun)
	d, err := conflictDrift(err, fmt.Sprintf("apps/v1 Deployment %s/%s", *dep.Namespace, *dep.Name))
	if err != nil || d == nil {
		return nil, err
	}
	if d.Live, err = client.AppsV1().Deployments(*dep.Namespace).Get(ctx, *dep.Name, metav1.GetOptions{}); err != nil {
		return nil, fmt.Errorf("drift check of %s: read it: %w", d.Object, err)
	}
	return d, nil
}

// dryRun is the drift checks' apply: not forced, so that a field another
// manager changed is a conflict, and stored nowhere.
var dryRun = metav1.ApplyOptions{FieldManager: kube.FieldManager, DryRun: []string{metav1.DryRunAll}}

// DetectServiceDrift does for the deployment's Service what DetectDrift does
// for its Deployment, given the Service as listed: only when it differs from
// what Slipway applies (its selector, or one of its ports) does it ask the
// apiserver which fields changed and who changed them, so a round costs no
// call for a Service nobody touched. A missing Service is not drift here.
func DetectServiceDrift(ctx context.Context, client kubernetes.Interface, live *corev1.Service, want *coreac.ServiceApplyConfiguration) (*Drift, error) {
	if live == nil || !serviceDiffers(live, want) {
		return nil, nil
	}
	_, err := client.CoreV1().Services(*want.Namespace).Apply(ctx, want, dryRun)
	return conflictDrift(err, fmt.Sprintf("v1 Service %s/%s", *want.Namespace, *want.Name))
}

// serviceDiffers reports whether live lacks what want sets: the same
// selector, and each port as Slipway declares it.
func serviceDiffers(live *corev1.Service, want *coreac.ServiceApplyConfiguration) bool {
	if want.Spec == nil {
		return false
	}
	if !maps.Equal(live.Spec.Selector, want.Spec.Selector) {
		return true
	}
	for _, p := range want.Spec.Ports {
		found := false
		for _, lp := range live.Spec.Ports {
			found = found || lp.Name == deref(p.Name) && lp.Port == deref(p.Port) && lp.TargetPort == deref(p.TargetPort) &&
				lp.Protocol == deref(p.Protocol)
		}
		if !found {
			return true
		}
	}
	return false
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// conflictDrift turns a dry-run apply's answer into drift: nil for none, the
// conflicting fields and their managers for a conflict, or the error.
func conflictDrift(err error, object string) (*Drift, error) {
	if err == nil {
		return nil, nil
	}
	var status apierrors.APIStatus
	if !apierrors.IsConflict(err) || !errors.As(err, &status) || status.Status().Details == nil {
		return nil, fmt.Errorf("drift check of %s: %w", object, err)
	}
	d := &Drift{Object: object}
	managers := map[string]bool{}
	for _, c := range status.Status().Details.Causes {
		d.Fields = append(d.Fields, c.Field)
		if m := conflictManager.FindStringSubmatch(c.Message); m != nil {
			managers[m[1]] = true
		}
	}
	for m := range managers {
		d.Managers = append(d.Managers, m)
	}
	sort.Strings(d.Fields)
	sort.Strings(d.Managers)
	return d, nil
}

// DetectAutoscalerDrift does for the deployment's HorizontalPodAutoscaler
// what DetectServiceDrift does for its Service: nothing to check without
// one in the spec; a missing one is drift (Deleted); one whose range,
// target or CPU utilization differs is checked with a dry run for the
// fields and managers.
func DetectAutoscalerDrift(ctx context.Context, client kubernetes.Interface, live *autoscalingv2.HorizontalPodAutoscaler,
	want *autoscalingac.HorizontalPodAutoscalerApplyConfiguration) (*Drift, error) {
	if want == nil {
		return nil, nil
	}
	object := fmt.Sprintf("autoscaling/v2 HorizontalPodAutoscaler %s/%s", *want.Namespace, *want.Name)
	if live == nil {
		return &Drift{Object: object, Fields: []string{}, Deleted: true}, nil
	}
	if !autoscalerDiffers(live, want) {
		return nil, nil
	}
	_, err := client.AutoscalingV2().HorizontalPodAutoscalers(*want.Namespace).Apply(ctx, want, dryRun)
	return conflictDrift(err, object)
}

func autoscalerDiffers(live *autoscalingv2.HorizontalPodAutoscaler, want *autoscalingac.HorizontalPodAutoscalerApplyConfiguration) bool {
	s := want.Spec
	if deref(live.Spec.MinReplicas) != deref(s.MinReplicas) || live.Spec.MaxReplicas != deref(s.MaxReplicas) ||
		live.Spec.ScaleTargetRef.Name != deref(s.ScaleTargetRef.Name) || len(live.Spec.Metrics) != len(s.Metrics) {
		return true
	}
	for i, m := range s.Metrics {
		lm := live.Spec.Metrics[i]
		if lm.Resource == nil || m.Resource == nil || m.Resource.Target == nil ||
			deref(lm.Resource.Target.AverageUtilization) != deref(m.Resource.Target.AverageUtilization) {
			return true
		}
	}
	return false
}
