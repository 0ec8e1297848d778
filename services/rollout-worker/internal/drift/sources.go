package drift

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	autoscalingac "k8s.io/client-go/applyconfigurations/autoscaling/v2"
	coreac "k8s.io/client-go/applyconfigurations/core/v1"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/cluster"
	"slipway.dev/services/rollout-worker/internal/manifest"
	"slipway.dev/services/rollout-worker/internal/rollout"
)

// The drift check consumes three small sources, so that it can be tested
// alone and so that what a round costs is visible in one place: the
// deployments' histories, the target's objects as cached by informers, and
// the calls that ask the apiserver (dry runs) or change the cluster.

// History reads and appends deployments' histories.
type History interface {
	// Counts returns the number of events of every deployment subject.
	Counts(ctx context.Context) (map[string]uint64, error)
	// Load folds one deployment's history (a full read).
	Load(ctx context.Context, ref events.DeploymentRef) (rollout.State, error)
	// Append appends what decide returns against st and folds each appended
	// event into st; when the history moved meanwhile it reloads st and
	// decides again. id names each event (one event however many workers
	// report the same drift).
	Append(ctx context.Context, st *rollout.State, ref events.DeploymentRef, meta events.Meta,
		decide func(rollout.State) []events.Message, id func(events.Message) string) error
}

// Objects is one target's Slipway-managed objects as last seen; reads
// make no API call.
type Objects interface {
	// Deployments returns the managed Deployments of the target namespace.
	Deployments() []*appsv1.Deployment
	Deployment(name string) *appsv1.Deployment
	Service(name string) *corev1.Service
	// Autoscaler returns the named HPA; known is false when autoscalers
	// cannot be listed on the target (then none is checked).
	Autoscaler(name string) (hpa *autoscalingv2.HorizontalPodAutoscaler, known bool)
}

// Caches hands out the object caches of targets.
type Caches interface {
	// Objects returns t's caches; ok is false until they listed the target
	// once (then the target is not checked this round).
	Objects(ctx context.Context, t *kube.Target) (objs Objects, ok bool)
	// Retain stops the caches of targets not in ts (removed or replaced).
	Retain(ts []*kube.Target)
}

// Applier asks a target's apiserver about drift and repairs it.
type Applier interface {
	// DetectDrift is a server-side apply dry run of the Deployment.
	DetectDrift(ctx context.Context, t *kube.Target, objs manifest.Objects) (*cluster.Drift, error)
	DetectServiceDrift(ctx context.Context, t *kube.Target, live *corev1.Service, want *coreac.ServiceApplyConfiguration) (*cluster.Drift, error)
	DetectAutoscalerDrift(ctx context.Context, t *kube.Target, live *autoscalingv2.HorizontalPodAutoscaler,
		want *autoscalingac.HorizontalPodAutoscalerApplyConfiguration) (*cluster.Drift, error)
	Apply(ctx context.Context, t *kube.Target, objs manifest.Objects) error
	ApplyService(ctx context.Context, t *kube.Target, want *coreac.ServiceApplyConfiguration) error
	// Gone confirms with a read that an object of kind is absent.
	Gone(ctx context.Context, t *kube.Target, kind, ns, name string) (bool, error)
	// RemoveLeftover deletes the Deployment and Service named name.
	RemoveLeftover(ctx context.Context, t *kube.Target, name string) error
}

// kubeApplier is Applier with each target's client.
type kubeApplier struct{}

func (kubeApplier) DetectDrift(ctx context.Context, t *kube.Target, objs manifest.Objects) (*cluster.Drift, error) {
	return cluster.DetectDrift(ctx, t.Client, objs)
}

func (kubeApplier) DetectServiceDrift(ctx context.Context, t *kube.Target, live *corev1.Service,
	want *coreac.ServiceApplyConfiguration) (*cluster.Drift, error) {
	return cluster.DetectServiceDrift(ctx, t.Client, live, want)
}

func (kubeApplier) DetectAutoscalerDrift(ctx context.Context, t *kube.Target, live *autoscalingv2.HorizontalPodAutoscaler,
	want *autoscalingac.HorizontalPodAutoscalerApplyConfiguration) (*cluster.Drift, error) {
	return cluster.DetectAutoscalerDrift(ctx, t.Client, live, want)
}

func (kubeApplier) Apply(ctx context.Context, t *kube.Target, objs manifest.Objects) error {
	return cluster.Apply(ctx, t.Client, objs)
}

func (kubeApplier) ApplyService(ctx context.Context, t *kube.Target, want *coreac.ServiceApplyConfiguration) error {
	return cluster.ApplyService(ctx, t.Client, want)
}

func (kubeApplier) Gone(ctx context.Context, t *kube.Target, kind, ns, name string) (bool, error) {
	var err error
	if kind == kindService {
		_, err = t.Client.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
	} else {
		_, err = t.Client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
	}
	if apierrors.IsNotFound(err) {
		return true, nil
	}
	return false, err
}

func (kubeApplier) RemoveLeftover(ctx context.Context, t *kube.Target, name string) error {
	if err := cluster.DeleteDeployment(ctx, t.Client, t.Namespace, name); err != nil {
		return err
	}
	return cluster.DeleteService(ctx, t.Client, t.Namespace, name)
}
