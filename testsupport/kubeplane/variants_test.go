package kubeplane_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"slipway.dev/testsupport/kubeplane"
)

// TestUntaintedNode starts a plane with NoTaint and checks that a pod with
// neither toleration nor node selector runs there.
func TestUntaintedNode(t *testing.T) {
	p := kubeplane.StartT(t, kubeplane.Options{NoTaint: true})
	t.Logf("METRIC untainted_plane_start=%s", p.StartDuration().Round(time.Millisecond))
	cs := p.Client()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	node, err := cs.CoreV1().Nodes().Get(ctx, kubeplane.NodeName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get node: %v", err)
	}
	for _, taint := range node.Spec.Taints {
		if taint.Key == kubeplane.NodeAnnotation {
			t.Errorf("node carries taint %v despite NoTaint", taint)
		}
	}
	if err := p.EnsureNamespace(ctx, "plain"); err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "plain"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "example.invalid/plain:v1"}}},
	}
	waitPodReady(ctx, t, cs, "plain", pod)
}

// TestReadyDelayAnnotation checks that a pod annotated with a ready delay
// becomes Ready no sooner than that.
func TestReadyDelayAnnotation(t *testing.T) {
	ns := kubeplane.Namespace(t)
	cs := kubeplane.Shared(t).Client()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	const delay = 2 * time.Second
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "slow", Annotations: map[string]string{kubeplane.ReadyDelayAnnotation: delay.String()}},
		Spec: corev1.PodSpec{
			Containers:   []corev1.Container{{Name: "c", Image: "example.invalid/slow:v1"}},
			Tolerations:  []corev1.Toleration{kubeplane.Toleration()},
			NodeSelector: kubeplane.NodeSelector(),
		},
	}
	began := time.Now()
	waitPodReady(ctx, t, cs, ns, pod)
	took := time.Since(began)
	t.Logf("METRIC ready_with_delay_%s=%s", delay, took.Round(time.Millisecond))
	if took < delay {
		t.Errorf("pod Ready after %s, want no sooner than %s", took, delay)
	}
}

// waitPodReady creates pod in ns and polls until it is Ready.
func waitPodReady(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns string, pod *corev1.Pod) {
	t.Helper()
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create pod: %v", err)
	}
	for {
		got, err := cs.CoreV1().Pods(ns).Get(ctx, pod.Name, metav1.GetOptions{})
		if err == nil && kubeplane.PodReady(got) {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("pod %s/%s not Ready: %v (last get error: %v)", ns, pod.Name, ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
