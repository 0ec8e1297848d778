package simcluster

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestSettledFleetCostsNothing: a tick over 10,000 settled Deployments with
// nothing written examines none of them; one image change is examined alone
// and progresses to done, and the fleet is quiet again afterwards.
func TestSettledFleetCostsNothing(t *testing.T) {
	ctx := t.Context()
	n := 10_000
	if testing.Short() {
		n = 1000
	}
	c := settledFleet(t, n)
	for range 2 {
		if err := c.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if c.examined != 0 {
			t.Fatalf("a settled tick examined %d Deployments, want 0", c.examined)
		}
	}
	deps := c.Client().AppsV1().Deployments("ns")
	d, err := deps.Get(ctx, "d-00742", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d.Spec.Template.Spec.Containers[0].Image = "model:v2"
	if _, err := deps.Update(ctx, d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	d = syncUntil(t, c, "d-00742", 10, func(*appsv1.Deployment) {
		if c.examined != 1 {
			t.Fatalf("a tick with one Deployment changed examined %d, want 1", c.examined)
		}
	})
	got := podsOf(t, c, "d-00742")
	if len(got) != 1 || got[0].Spec.Containers[0].Image != "model:v2" || !podReady(&got[0]) {
		t.Fatalf("pods of the changed Deployment %v, want one ready pod of model:v2", podNames(got))
	}
	syncQuiet(t, c, 3)
}

// syncQuiet syncs until a tick examines nothing, failing after maxSyncs.
func syncQuiet(t *testing.T, c *Cluster, maxSyncs int) {
	t.Helper()
	for range maxSyncs {
		if err := c.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		if c.examined == 0 {
			return
		}
	}
	t.Fatalf("still examining %d Deployments after %d syncs", c.examined, maxSyncs)
}

// TestWritesWakeSettledDeployments: a settled Deployment is examined again
// when one of its pods is deleted, when an autoscaler targeting it appears,
// and when it is deleted (its pods go) or replaced under the same name (the
// old pods go, new ones come).
func TestWritesWakeSettledDeployments(t *testing.T) {
	ctx := t.Context()
	c := settledFleet(t, 3)
	syncQuiet(t, c, 3)
	pods := c.Client().CoreV1().Pods("ns")
	deps := c.Client().AppsV1().Deployments("ns")

	victim := podsOf(t, c, "d-00001")[0]
	if err := pods.Delete(ctx, victim.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	syncQuiet(t, c, 5)
	if got := podsOf(t, c, "d-00001"); len(got) != 1 || got[0].Name == victim.Name || !podReady(&got[0]) {
		t.Fatalf("after deleting pod %s: pods %v, want one new ready pod", victim.Name, podNames(got))
	}

	lo := int32(2)
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "d-00002", Namespace: "ns"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{MinReplicas: &lo, MaxReplicas: 4,
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "d-00002"}},
	}
	if _, err := c.Client().AutoscalingV2().HorizontalPodAutoscalers("ns").Create(ctx, hpa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	syncQuiet(t, c, 5)
	if got := podsOf(t, c, "d-00002"); len(got) != 2 {
		t.Fatalf("after an autoscaler with minimum 2: %d pods, want 2", len(got))
	}

	old := podsOf(t, c, "d-00000")
	if err := deps.Delete(ctx, "d-00000", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	syncQuiet(t, c, 5)
	if got := podsOf(t, c, "d-00000"); len(got) != 0 {
		t.Fatalf("after deleting the Deployment: pods %v, want none", podNames(got))
	}

	d := newDeployment(1, rolling("25%", "25%"))
	d.ObjectMeta = metav1.ObjectMeta{Name: "d-00001", Namespace: "ns"}
	old = podsOf(t, c, "d-00001")
	if err := deps.Delete(ctx, "d-00001", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := deps.Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	syncQuiet(t, c, 5)
	got := podsOf(t, c, "d-00001")
	if len(got) != 1 || got[0].Name == old[0].Name {
		t.Fatalf("after replacing the Deployment: pods %v, old %v, want one new pod", podNames(got), podNames(old))
	}
	if all := listPods(t, c.Client()); len(c.ages) != len(all) {
		t.Fatalf("ages of %d pods kept, %d pods exist", len(c.ages), len(all))
	}
}

// podsOf lists the pods whose controller is Deployment name.
func podsOf(t *testing.T, c *Cluster, name string) []corev1.Pod {
	t.Helper()
	var out []corev1.Pod
	for _, p := range listPods(t, c.Client()) {
		if ref := metav1.GetControllerOf(&p); ref != nil && ref.Name == name {
			out = append(out, p)
		}
	}
	return out
}

func podNames(pods []corev1.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

// TestTimeDrivenDeploymentsStayDue: Deployments whose pods warm up over
// several ticks without a write, or crash after some ticks, keep being
// examined until they settle.
func TestTimeDrivenDeploymentsStayDue(t *testing.T) {
	ctx := t.Context()
	c := New(Options{ReadyAfter: 4})
	deps := c.Client().AppsV1().Deployments("ns")
	warm := newDeployment(2, rolling("25%", "25%"))
	warm.ObjectMeta = metav1.ObjectMeta{Name: "warm", Namespace: "ns"}
	crash := newDeployment(1, rolling("25%", "25%"))
	crash.ObjectMeta = metav1.ObjectMeta{Name: "crash", Namespace: "ns"}
	crash.Spec.Template.Annotations = map[string]string{AnnotationCrashAfterTicks: "8"}
	for _, d := range []*appsv1.Deployment{warm, crash} {
		if _, err := deps.Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	syncUntil(t, c, "warm", 10, nil)
	for i := range 20 {
		if err := c.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if p := podsOf(t, c, "crash"); len(p) == 1 && p[0].Status.ContainerStatuses[0].RestartCount > 0 {
			return
		}
		if c.examined == 0 {
			t.Fatalf("tick %d examined nothing while a pod is due to crash", i)
		}
	}
	t.Fatal("the crash-after-ticks pod never crashed")
}

// TestSettled: what counts as moving with time alone.
func TestSettled(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	progressing := func(reason string) appsv1.DeploymentStatus {
		return appsv1.DeploymentStatus{Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing, Reason: reason}}}
	}
	ready := Pod{Name: "p", Ready: true, ReadySince: now.Add(-time.Minute)}
	for _, tc := range []struct {
		name        string
		minReady    int32
		noDeadline  bool
		pods        []Pod
		status      appsv1.DeploymentStatus
		wantSettled bool
	}{
		{"rolled out", 0, false, []Pod{ready}, progressing(ReasonNewReplicaSetAvailable), true},
		{"timed out", 0, false, []Pod{{Name: "p", Fault: FaultNeverReady}}, progressing(ReasonProgressDeadlineExceeded), true},
		{"paused", 0, false, []Pod{ready}, progressing(ReasonDeploymentPaused), true},
		{"deadline running", 0, false, []Pod{{Name: "p", Fault: FaultNeverReady}}, progressing(ReasonReplicaSetUpdated), false},
		{"stuck without a deadline", 0, true, []Pod{{Name: "p", Fault: FaultNeverReady}}, progressing(""), true},
		{"warming up", 0, false, []Pod{{Name: "p"}}, progressing(ReasonNewReplicaSetAvailable), false},
		{"crash-looping", 0, false, []Pod{{Name: "p", Fault: FaultCrashLoop}}, progressing(ReasonNewReplicaSetAvailable), false},
		{"ready, not yet available", 120, false, []Pod{ready}, progressing(ReasonNewReplicaSetAvailable), false},
		{"ready and available", 30, false, []Pod{ready}, progressing(ReasonNewReplicaSetAvailable), true},
		{"to create", 0, false, []Pod{{}}, progressing(ReasonNewReplicaSetAvailable), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDeployment(1, rolling("25%", "25%"))
			d.Spec.MinReadySeconds = tc.minReady
			if tc.noDeadline {
				never := int32(1<<31 - 1)
				d.Spec.ProgressDeadlineSeconds = &never
			}
			if got := settled(d, Result{Pods: tc.pods, Status: tc.status}, now); got != tc.wantSettled {
				t.Fatalf("settled = %v, want %v", got, tc.wantSettled)
			}
		})
	}
}
