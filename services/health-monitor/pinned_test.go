package monitor

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
)

// crashLoopingPinnedPod is a pod of the pinned Deployment that keeps
// template revision rev of ref running for an alias (see rollout-worker
// internal/manifest RenderPinned): it carries the deployment only as the
// instance label.
func crashLoopingPinnedPod(ref events.DeploymentRef, rev string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "pinned-" + rev + "-0", Namespace: testNamespace, Labels: map[string]string{
		kube.LabelManagedBy: kube.ManagedByValue, kube.LabelOwner: ref.Owner, kube.LabelProject: ref.Project,
		kube.LabelPinnedOf: ref.Name, kube.LabelInstance: ref.Name, kube.LabelRevision: rev}}}
	p.Status = corev1.PodStatus{Phase: corev1.PodRunning,
		Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}},
		ContainerStatuses: []corev1.ContainerStatus{{Name: "model", RestartCount: 3,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}}}
	return p
}

// TestPinnedRevisionsPodsAreWatched: the pods of a revision an alias serves
// or moves to run under a pinned Deployment, not the main one; when they
// crash-loop, the deployment is Degraded with their template revision, which
// is what fails the alias move.
func TestPinnedRevisionsPodsAreWatched(t *testing.T) {
	d := healthy(deployment(scorer, "1", 2, nil))
	target, client := fakeTarget(append(readyPods(d, 2), d)...)
	rec := newRecorder()
	m := startMonitor(t, Config{Window: Window{N: 1, M: 1}}, rec, target)
	evaluateUntil(t, m, "Healthy", func() bool {
		h, ok := lastEvent(rec, scorer)
		return ok && h.To == events.HealthHealthy
	})
	if _, err := client.CoreV1().Pods(testNamespace).Create(context.Background(), crashLoopingPinnedPod(scorer, "2"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	evaluateUntil(t, m, "Degraded/CrashLoopBackOff at template revision 2", func() bool {
		h, ok := lastEvent(rec, scorer)
		return ok && h.To == events.HealthDegraded && h.Reason == events.ReasonCrashLoopBackOff && h.Revision == 2
	})
	if h, _ := lastEvent(rec, scorer); h.Pods == nil || h.Pods.Total != 3 || h.Pods.CrashLooping != 1 {
		t.Fatalf("event %+v", h)
	}
	if err := client.CoreV1().Pods(testNamespace).Delete(context.Background(), "pinned-2-0", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	evaluateUntil(t, m, "Healthy again once the pinned pods are gone", func() bool {
		h, ok := lastEvent(rec, scorer)
		return ok && h.To == events.HealthHealthy
	})
}
