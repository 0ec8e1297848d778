package monitor

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/fake"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/services/health-monitor/internal/health"
)

const testNamespace = "models"

// deployment is the Deployment the rollout worker renders for ref (see
// rollout-worker/internal/manifest), at template revision rev, with the given
// pod template annotations.
func deployment(ref events.DeploymentRef, rev string, replicas int32, annotations map[string]string) *appsv1.Deployment {
	selector := kube.SelectorLabels(ref.Owner, ref.Project, ref.Name)
	podLabels := map[string]string{kube.LabelManagedBy: kube.ManagedByValue, kube.LabelRevision: rev}
	for k, v := range selector {
		podLabels[k] = v
	}
	one, zero := intstr.FromInt32(1), intstr.FromInt32(0)
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: kube.ObjectName(ref.Owner, ref.Project, ref.Name), Namespace: testNamespace, Labels: podLabels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: selector},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &one, MaxUnavailable: &zero}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels, Annotations: annotations},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "model", Image: "ghcr.io/acme/scorer:1.0",
					Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
					ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
						Path: "/ready", Port: intstr.FromString("http")}}},
				}}},
			},
		},
	}
}

// recorder is a journal in memory.
type recorder struct {
	mu     sync.Mutex
	last   map[string]health.Key // what LastHealth answers
	events map[string][]events.HealthChanged
}

func newRecorder() *recorder {
	return &recorder{last: map[string]health.Key{}, events: map[string][]events.HealthChanged{}}
}

func (r *recorder) LastHealth(_ context.Context, ref events.DeploymentRef) (health.Key, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last[ref.String()], nil
}

func (r *recorder) Append(_ context.Context, ref events.DeploymentRef, ev events.HealthChanged) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events[ref.String()] = append(r.events[ref.String()], ev)
	r.last[ref.String()] = health.Key{State: ev.To, Reason: ev.Reason, Revision: ev.Revision}
	return nil
}

func (r *recorder) of(ref events.DeploymentRef) []events.HealthChanged {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]events.HealthChanged(nil), r.events[ref.String()]...)
}

// healthy sets d's status to a finished rollout with every replica available.
func healthy(d *appsv1.Deployment) *appsv1.Deployment {
	d.Generation = 1
	n := *d.Spec.Replicas
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: n, UpdatedReplicas: n, ReadyReplicas: n, AvailableReplicas: n,
		Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: "NewReplicaSetAvailable"}}}
	return d
}

// readyPods are n ready pods of d.
func readyPods(d *appsv1.Deployment, n int) []runtime.Object {
	var out []runtime.Object
	for i := range n {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d", d.Name, i), Namespace: d.Namespace,
			Labels: d.Spec.Template.Labels, Annotations: map[string]string{"dropped": "by the transform"}}}
		p.Spec = d.Spec.Template.Spec
		p.Status = corev1.PodStatus{Phase: corev1.PodRunning,
			Conditions:        []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}, {Type: corev1.PodScheduled, Status: corev1.ConditionTrue}},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "model", Ready: true}}}
		out = append(out, p)
	}
	return out
}

// endpointSlice is the slice the endpoint controller keeps for d's Service,
// with one endpoint per element of ready.
func endpointSlice(d *appsv1.Deployment, ready ...bool) *discoveryv1.EndpointSlice {
	s := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: d.Name + "-abcde", Namespace: d.Namespace, Labels: map[string]string{
			discoveryv1.LabelServiceName: d.Name, discoveryv1.LabelManagedBy: "endpointslice-controller.k8s.io"}},
		AddressType: discoveryv1.AddressTypeIPv4,
	}
	for i, r := range ready {
		s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{Addresses: []string{fmt.Sprintf("10.1.0.%d", i+1)},
			Conditions: discoveryv1.EndpointConditions{Ready: &r}})
	}
	return s
}

// fakeTarget is a target on a fake clientset holding objs.
func fakeTarget(objs ...runtime.Object) (*kube.Target, *fake.Clientset) {
	client := fake.NewClientset(objs...)
	return &kube.Target{TargetConfig: kube.TargetConfig{Name: "fake", Namespace: testNamespace}, Client: client}, client
}

// startMonitor returns a monitor on targets with journal j, its caches
// synced; it stops when the test ends.
func startMonitor(t *testing.T, cfg Config, j journal, targets ...*kube.Target) *monitor {
	t.Helper()
	m, err := newMonitor(cfg, slog.New(slog.NewTextHandler(t.Output(), nil)), j, targets)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	wait := m.start(ctx)
	t.Cleanup(func() { cancel(); wait() })
	return m
}

// evaluateUntil evaluates until ok holds, for at most a generous deadline.
func evaluateUntil(t *testing.T, m *monitor, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		m.evaluate(context.Background())
		time.Sleep(5 * time.Millisecond)
	}
}
