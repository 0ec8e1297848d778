package e2e

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"slipway.dev/testsupport/install"
	"slipway.dev/testsupport/kubeplane"
)

// Names in the kustomize base (deployments/) that the tier relies on.
const (
	// SlipwayNamespace holds the services' ServiceAccounts.
	SlipwayNamespace = "slipway"
	// ModelsNamespace is the target namespace the base's Roles are in.
	ModelsNamespace = "models"
	// TargetSecretsNamespace holds registered targets' kubeconfig Secrets.
	TargetSecretsNamespace = "slipway-targets"
	// WorkerAccount and MonitorAccount are the two services' ServiceAccounts.
	WorkerAccount  = "slipway-rollout-worker"
	MonitorAccount = "slipway-health-monitor"

	installManager = "slipway-e2e-install"
)

// RestrictedLabels are the Pod Security admission labels every namespace an
// installation is applied to gets here: restricted enforced (and warned and
// audited), each pinned to the plane's version so a newer standard cannot
// change the verdict unnoticed.
func RestrictedLabels() map[string]string {
	v := kubeplane.KubernetesVersion
	if i := strings.LastIndex(v, "."); i > 0 {
		v = v[:i] // v1.37.2 -> v1.37
	}
	m := map[string]string{}
	for _, mode := range []string{"enforce", "warn", "audit"} {
		m["pod-security.kubernetes.io/"+mode] = "restricted"
		m["pod-security.kubernetes.io/"+mode+"-version"] = v
	}
	return m
}

// Restrict adds RestrictedLabels to every Namespace among objs.
func Restrict(objs []*unstructured.Unstructured) {
	for _, o := range objs {
		if o.GetKind() != "Namespace" {
			continue
		}
		labels := o.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		for k, v := range RestrictedLabels() {
			labels[k] = v
		}
		o.SetLabels(labels)
	}
}

// Warnings collects the warnings the API server sends (a Pod Security
// violation in warn mode, a deprecated API) on the requests of a config.
type Warnings struct {
	mu   sync.Mutex
	list []string
}

// HandleWarningHeader implements rest.WarningHandler.
func (w *Warnings) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.list = append(w.list, text)
}

// List returns the warnings received so far.
func (w *Warnings) List() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.list)
}

// Applier server-side applies objects of any kind, as `kubectl apply
// --server-side` does, recording the server's warnings.
type Applier struct {
	Client   kubernetes.Interface
	Warnings *Warnings
	dyn      dynamic.Interface
	mapper   meta.ResettableRESTMapper
}

// NewApplier returns an Applier with cfg's credentials.
func NewApplier(cfg *rest.Config) (*Applier, error) {
	cfg = rest.CopyConfig(cfg)
	w := &Warnings{}
	cfg.WarningHandler = w
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("e2e: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("e2e: %w", err)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("e2e: %w", err)
	}
	return &Applier{Client: cs, Warnings: w, dyn: dyn,
		mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))}, nil
}

// Apply server-side applies each object in order (namespaces before what
// they hold, as kustomize and Helm order them).
func (a *Applier) Apply(ctx context.Context, objs []*unstructured.Unstructured) error {
	for _, o := range objs {
		r, err := a.resource(o)
		if err != nil {
			return err
		}
		if _, err := r.Apply(ctx, o.GetName(), o, metav1.ApplyOptions{FieldManager: installManager, Force: true}); err != nil {
			return fmt.Errorf("e2e: apply %s: %w", install.Key(o), err)
		}
	}
	return nil
}

// Get reads an object back from the server.
func (a *Applier) Get(ctx context.Context, o *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	r, err := a.resource(o)
	if err != nil {
		return nil, err
	}
	got, err := r.Get(ctx, o.GetName(), metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("e2e: get %s: %w", install.Key(o), err)
	}
	return got, nil
}

// resource is the dynamic client of o's kind (and namespace).
func (a *Applier) resource(o *unstructured.Unstructured) (dynamic.ResourceInterface, error) {
	gvk := o.GroupVersionKind()
	m, err := a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, fmt.Errorf("e2e: %s: %w", install.Key(o), err)
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return a.dyn.Resource(m.Resource).Namespace(o.GetNamespace()), nil
	}
	return a.dyn.Resource(m.Resource), nil
}

// CheckPodTemplates dry-runs the creation of a Pod from every Deployment's
// template among objs: Pod Security admission judges Pods, not
// Deployments, so this is the verdict the ReplicaSet controller would get.
func (a *Applier) CheckPodTemplates(ctx context.Context, objs []*unstructured.Unstructured) error {
	var errs []error
	for _, o := range objs {
		if o.GetKind() != "Deployment" {
			continue
		}
		tmpl, _, _ := unstructured.NestedMap(o.Object, "spec", "template")
		pod := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Pod",
			"metadata": tmpl["metadata"], "spec": tmpl["spec"]}}
		pod.SetNamespace(o.GetNamespace())
		pod.SetName(o.GetName() + "-dry-run")
		_, err := a.dyn.Resource(corev1.SchemeGroupVersion.WithResource("pods")).Namespace(o.GetNamespace()).
			Create(ctx, pod, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldManager: installManager})
		if err != nil {
			errs = append(errs, fmt.Errorf("a Pod of %s: %w", install.Key(o), err))
		}
	}
	return errors.Join(errs...)
}

// WaitPods waits until the ReplicaSet controller has created every
// Deployment's pods (spec.replicas of them, selected by its selector) and
// the scheduler has placed them on the fake node. A Pod Security denial
// shows here as pods that never come.
func (a *Applier) WaitPods(ctx context.Context, objs []*unstructured.Unstructured, limit time.Duration) error {
	for _, o := range objs {
		if o.GetKind() != "Deployment" {
			continue
		}
		want, _, _ := unstructured.NestedInt64(o.Object, "spec", "replicas")
		sel, _, _ := unstructured.NestedStringMap(o.Object, "spec", "selector", "matchLabels")
		var last string
		err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, limit, true, func(ctx context.Context) (bool, error) {
			pods, err := a.Client.CoreV1().Pods(o.GetNamespace()).List(ctx, metav1.ListOptions{
				LabelSelector: metav1.FormatLabelSelector(&metav1.LabelSelector{MatchLabels: sel})})
			if err != nil {
				last = err.Error()
				return false, nil
			}
			placed := 0
			for _, p := range pods.Items {
				if p.Spec.NodeName == kubeplane.NodeName {
					placed++
				}
			}
			last = fmt.Sprintf("%d pods, %d on %s; events: %s", len(pods.Items), placed, kubeplane.NodeName, a.failedCreates(ctx, o.GetNamespace()))
			return int64(placed) >= want, nil
		})
		if err != nil {
			return fmt.Errorf("e2e: %s: want %d pods on %s: %w (last: %s)", install.Key(o), want, kubeplane.NodeName, err, last)
		}
	}
	return nil
}

// failedCreates returns the namespace's FailedCreate events (a ReplicaSet
// refused a Pod), for a failure message.
func (a *Applier) failedCreates(ctx context.Context, ns string) string {
	evs, err := a.Client.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "reason=FailedCreate"})
	if err != nil {
		return err.Error()
	}
	var msgs []string
	for _, e := range evs.Items {
		msgs = append(msgs, e.InvolvedObject.Name+": "+e.Message)
	}
	return strings.Join(msgs, "; ")
}

// EnsureNamespace creates namespace ns with RestrictedLabels when missing
// (the base's Roles live in one it does not create).
func (a *Applier) EnsureNamespace(ctx context.Context, ns string) error {
	_, err := a.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: RestrictedLabels()}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("e2e: create namespace %s: %w", ns, err)
	}
	return nil
}

// base is the kustomize base installed once per test process.
var base struct {
	once sync.Once
	objs []*unstructured.Unstructured
	err  error
}

// InstallBase applies the kustomize base (deployments/) to the shared plane
// once per test process, into namespaces labelled RestrictedLabels (and
// namespace models, which the base expects to exist), and returns its
// objects. It fails t when an object is refused or the server warns.
func InstallBase(t testing.TB) []*unstructured.Unstructured {
	t.Helper()
	plane := kubeplane.Shared(t)
	base.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		base.objs = install.Kustomize(t)
		Restrict(base.objs)
		a, err := NewApplier(plane.RESTConfig())
		if err != nil {
			base.err = err
			return
		}
		if err = a.EnsureNamespace(ctx, ModelsNamespace); err == nil {
			err = a.Apply(ctx, base.objs)
		}
		if w := a.Warnings.List(); err == nil && len(w) > 0 {
			err = fmt.Errorf("e2e: the API server warned applying deployments/: %s", strings.Join(w, "; "))
		}
		base.err = err
	})
	if base.err != nil {
		t.Fatal(base.err)
	}
	return base.objs
}
