package monitor

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
)

// canaryPodLabels are the labels of a canary's pods on a target whose
// routes carry its weight (Gateway API, ingress-nginx), as the rollout
// worker's manifest.RenderCanary gives them: the canary Deployment's
// selector (canary-of), the instance and revision labels the per-version
// Service selects, and not the deployment label, which would put them
// behind the main Service.
func canaryPodLabels(ref events.DeploymentRef, rev string) map[string]string {
	return map[string]string{kube.LabelManagedBy: kube.ManagedByValue, kube.LabelOwner: ref.Owner, kube.LabelProject: ref.Project,
		kube.LabelCanaryOf: ref.Name, kube.LabelInstance: ref.Name, kube.LabelRevision: rev}
}

// TestCanaryPodsAreWatched: on a weighted target the canary's pods lack
// the deployment label the monitor's index reads first; they are still the
// deployment's (by their instance label), so when they crash-loop the
// deployment is Degraded at the canary's template revision, which is what
// fails the canary (rollout.DecideCanaryStalled) before any check runs.
// The canary Deployment itself, without the deployment label, is not taken
// for the main one.
func TestCanaryPodsAreWatched(t *testing.T) {
	d := healthy(deployment(scorer, "1", 2, nil))
	canary := deployment(scorer, "2", 1, nil)
	canary.Name += "-canary"
	canary.Labels = map[string]string{kube.LabelManagedBy: kube.ManagedByValue, kube.LabelOwner: scorer.Owner,
		kube.LabelProject: scorer.Project, kube.LabelCanaryOf: scorer.Name, kube.LabelRevision: "2"}
	canary.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{kube.LabelOwner: scorer.Owner,
		kube.LabelProject: scorer.Project, kube.LabelCanaryOf: scorer.Name}}
	canary.Spec.Template.Labels = canaryPodLabels(scorer, "2")
	target, client := fakeTarget(append(readyPods(d, 2), d, canary)...)
	rec := newRecorder()
	m := startMonitor(t, Config{Window: Window{N: 1, M: 1}}, rec, target)
	evaluateUntil(t, m, "Healthy", func() bool {
		h, ok := lastEvent(rec, scorer)
		return ok && h.To == events.HealthHealthy
	})
	pod := crashLoopingPinnedPod(scorer, "2")
	pod.Name, pod.Labels = canary.Name+"-0", canaryPodLabels(scorer, "2")
	if _, err := client.CoreV1().Pods(testNamespace).Create(t.Context(), pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	evaluateUntil(t, m, "Degraded/CrashLoopBackOff at the canary's template revision 2", func() bool {
		h, ok := lastEvent(rec, scorer)
		return ok && h.To == events.HealthDegraded && h.Reason == events.ReasonCrashLoopBackOff && h.Revision == 2
	})
	if h, _ := lastEvent(rec, scorer); h.Pods == nil || h.Pods.Total != 3 || h.Pods.CrashLooping != 1 {
		t.Fatalf("event %+v, want the canary's pod counted with the stable ones", h)
	}
	if err := client.CoreV1().Pods(testNamespace).Delete(t.Context(), pod.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	evaluateUntil(t, m, "Healthy again once the canary's pod is gone", func() bool {
		h, ok := lastEvent(rec, scorer)
		return ok && h.To == events.HealthHealthy
	})
}
