package kubeplane_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"slipway.dev/testsupport/kubeplane"
)

const replicas = 4

// TestPlaneUp checks the plane answers through its kubeconfig file, that
// the fake node is schedulable with the advertised taint, and that its
// Lease is kept.
func TestPlaneUp(t *testing.T) {
	p := kubeplane.Shared(t)
	t.Logf("METRIC plane_start=%s", p.StartDuration().Round(time.Millisecond))
	cfg, err := clientcmd.BuildConfigFromFlags("", p.KubeconfigPath())
	if err != nil {
		t.Fatalf("load kubeconfig: %v", err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("client from kubeconfig: %v", err)
	}
	node, err := cs.CoreV1().Nodes().Get(t.Context(), kubeplane.NodeName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get node: %v", err)
	}
	tol := p.Toleration()
	if !slices.ContainsFunc(node.Spec.Taints, func(taint corev1.Taint) bool {
		return taint.Key == tol.Key && taint.Value == tol.Value && taint.Effect == tol.Effect
	}) {
		t.Errorf("node taints %v: none tolerated by %v", node.Spec.Taints, tol)
	}
	// KWOK must renew the node's Lease, or the node turns NotReady (and its
	// pods with it) about 50s after the start.
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	for {
		_, err := cs.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, kubeplane.NodeName, metav1.GetOptions{})
		if err == nil {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("node Lease %s/%s: %v", corev1.NamespaceNodeLease, kubeplane.NodeName, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// TestRollingUpdateKeepsReadyEndpoints rolls a 4-replica Deployment to a new
// image (maxSurge 1, maxUnavailable 0) and checks, at every EndpointSlice
// event of a Service selecting it, that at least 4 endpoints stayed ready.
func TestRollingUpdateKeepsReadyEndpoints(t *testing.T) {
	ns := kubeplane.Namespace(t)
	cs := kubeplane.Shared(t).Client()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": "web"},
			Ports:    []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}},
		},
	}
	if _, err := cs.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create service: %v", err)
	}
	began := time.Now()
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, deployment("web", replicas, "example.invalid/web:v1"), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create deployment: %v", err)
	}
	if err := kubeplane.WaitRollout(ctx, cs, ns, "web"); err != nil {
		t.Fatalf("initial rollout: %v", err)
	}
	t.Logf("METRIC initial_rollout=%s", time.Since(began).Round(time.Millisecond))

	w, err := kubeplane.WatchReadyEndpoints(ctx, cs, ns, "web")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if err := w.WaitFor(ctx, 30*time.Second, func(ready []string) bool { return len(ready) == replicas }); err != nil {
		t.Fatal(err)
	}
	old := w.Ready()
	w.Reset() // judge from the settled initial state on

	began = time.Now()
	patchTemplate(ctx, t, cs, ns, "web", "example.invalid/web:v2", nil)
	if err := kubeplane.WaitRollout(ctx, cs, ns, "web"); err != nil {
		t.Fatalf("update rollout: %v", err)
	}
	rolled := time.Since(began)
	if err := w.WaitFor(ctx, 30*time.Second, func(ready []string) bool {
		return len(ready) == replicas && !slices.ContainsFunc(ready, func(n string) bool { return slices.Contains(old, n) })
	}); err != nil {
		t.Fatal(err)
	}
	counts := w.Counts()
	t.Logf("METRIC update_rollout=%s endpoints_settled=%s events=%d ready_counts=%v",
		rolled.Round(time.Millisecond), time.Since(began).Round(time.Millisecond), len(counts)-1, counts)
	if low := slices.Min(counts); low < replicas {
		t.Errorf("ready endpoints fell to %d during the rollout (counts after each event: %v)", low, counts)
	}
}

// TestNeverReadyUpdateExceedsProgressDeadline updates a Deployment to pods
// that never become Ready and expects ProgressDeadlineExceeded, with the old
// replicas still available.
func TestNeverReadyUpdateExceedsProgressDeadline(t *testing.T) {
	ns := kubeplane.Namespace(t)
	cs := kubeplane.Shared(t).Client()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	d := deployment("stuck", replicas, "example.invalid/stuck:v1")
	d.Spec.ProgressDeadlineSeconds = new(int32(5))
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create deployment: %v", err)
	}
	if err := kubeplane.WaitRollout(ctx, cs, ns, "stuck"); err != nil {
		t.Fatalf("initial rollout: %v", err)
	}

	began := time.Now()
	patchTemplate(ctx, t, cs, ns, "stuck", "example.invalid/stuck:v2", map[string]string{kubeplane.NeverReadyAnnotation: "true"})
	err := kubeplane.WaitRollout(ctx, cs, ns, "stuck")
	if !errors.Is(err, kubeplane.ErrProgressDeadline) {
		t.Fatalf("update rollout: got %v, want ProgressDeadlineExceeded", err)
	}
	t.Logf("METRIC progress_deadline_detected=%s (deadline 5s): %v", time.Since(began).Round(time.Millisecond), err)

	got, err := cs.AppsV1().Deployments(ns).Get(ctx, "stuck", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get deployment: %v", err)
	}
	if got.Status.AvailableReplicas != replicas || got.Status.UpdatedReplicas != 1 {
		t.Errorf("status: available %d updated %d, want %d available and the 1 surge pod updated",
			got.Status.AvailableReplicas, got.Status.UpdatedReplicas, replicas)
	}
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=stuck"})
	if err != nil {
		t.Fatalf("list pods: %v", err)
	}
	var stuck int
	for i := range pods.Items {
		pod := &pods.Items[i]
		if pod.Annotations[kubeplane.NeverReadyAnnotation] != "true" {
			continue
		}
		stuck++
		if pod.Status.Phase != corev1.PodRunning || kubeplane.PodReady(pod) {
			t.Errorf("pod %s: phase %s ready %t, want Running and not Ready", pod.Name, pod.Status.Phase, kubeplane.PodReady(pod))
		}
	}
	if stuck != 1 {
		t.Errorf("%d never-ready pods, want 1 (maxSurge)", stuck)
	}
}
