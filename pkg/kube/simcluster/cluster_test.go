package simcluster

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"slipway.dev/pkg/kube"
)

// syncUntil calls c.Sync until done(deployment) holds, failing after
// maxSyncs; check runs after every sync.
func syncUntil(t *testing.T, c *Cluster, name string, maxSyncs int, check func(*appsv1.Deployment)) *appsv1.Deployment {
	t.Helper()
	ctx := t.Context()
	for range maxSyncs {
		if err := c.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		d, err := c.Client().AppsV1().Deployments("ns").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if check != nil {
			check(d)
		}
		if _, done, err := RolloutStatus(d); err != nil {
			t.Fatal(err)
		} else if done {
			return d
		}
	}
	t.Fatalf("deployment %s not rolled out after %d syncs", name, maxSyncs)
	return nil
}

func listPods(t *testing.T, client kubernetes.Interface) []corev1.Pod {
	t.Helper()
	pods, err := client.CoreV1().Pods("ns").List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return pods.Items
}

// TestSyncRollout drives a create, an update and a delete through Client()
// and Sync, checking the pods the simulator keeps in the fake.
func TestSyncRollout(t *testing.T) {
	ctx := t.Context()
	c := New(Options{})
	deps := c.Client().AppsV1().Deployments("ns")
	cfg := deploymentApply("web", "model:v1", 4)
	cfg.Spec.WithStrategy(rollingApply(1, 0))
	if _, err := deps.Apply(ctx, cfg, forceApply); err != nil {
		t.Fatal(err)
	}
	d := syncUntil(t, c, "web", 10, nil)
	checkPods(t, c.Client(), d)

	cfg = deploymentApply("web", "model:v2", 4)
	cfg.Spec.WithStrategy(rollingApply(1, 0))
	if _, err := deps.Apply(ctx, cfg, forceApply); err != nil {
		t.Fatal(err)
	}
	d = syncUntil(t, c, "web", 30, func(d *appsv1.Deployment) {
		if d.Status.AvailableReplicas < 4 {
			t.Fatalf("available %d during maxUnavailable=0 rollout", d.Status.AvailableReplicas)
		}
	})
	checkPods(t, c.Client(), d)

	if err := deps.Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if pods := listPods(t, c.Client()); len(pods) != 0 {
		t.Errorf("%d pods left after deleting their deployment", len(pods))
	}
}

// checkPods verifies the pods of a rolled-out deployment.
func checkPods(t *testing.T, client kubernetes.Interface, d *appsv1.Deployment) {
	t.Helper()
	pods := listPods(t, client)
	if len(pods) != int(*d.Spec.Replicas) {
		t.Fatalf("%d pods, want %d", len(pods), *d.Spec.Replicas)
	}
	hash := TemplateHash(&d.Spec.Template)
	for _, p := range pods {
		if p.Labels[appsv1.DefaultDeploymentUniqueLabelKey] != hash || p.Labels[kube.LabelManagedBy] != kube.ManagedByValue {
			t.Errorf("pod %s labels %v, want template labels and pod-template-hash %s", p.Name, p.Labels, hash)
		}
		if want := d.Name + "-" + hash + "-"; len(p.Name) != len(want)+5 || p.Name[:len(want)] != want {
			t.Errorf("pod name %q, want %s<5 chars>", p.Name, want)
		}
		if ref := metav1.GetControllerOf(&p); ref == nil || ref.UID != d.UID || ref.Kind != "Deployment" {
			t.Errorf("pod %s controller %+v, want deployment %s", p.Name, ref, d.UID)
		}
		if p.Status.Phase != corev1.PodRunning || !podReady(&p) || !p.Status.ContainerStatuses[0].Ready {
			t.Errorf("pod %s not running and ready: %+v", p.Name, p.Status)
		}
	}
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func TestSyncCrashLoop(t *testing.T) {
	ctx := t.Context()
	c := New(Options{ReadyAfter: 1})
	cfg := deploymentApply("web", "model:v1", 1)
	cfg.Spec.Template.WithAnnotations(map[string]string{AnnotationCrashLoop: "true"})
	if _, err := c.Client().AppsV1().Deployments("ns").Apply(ctx, cfg, forceApply); err != nil {
		t.Fatal(err)
	}
	for range 8 { // crashes at ticks 1, 3, 7
		if err := c.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	pods := listPods(t, c.Client())
	if len(pods) != 1 {
		t.Fatalf("%d pods, want 1", len(pods))
	}
	cs := pods[0].Status.ContainerStatuses[0]
	if podReady(&pods[0]) || cs.Ready || cs.State.Waiting == nil || cs.State.Waiting.Reason != "CrashLoopBackOff" || cs.RestartCount != 3 {
		t.Errorf("container status %+v, want not ready, waiting in CrashLoopBackOff, 3 restarts", cs)
	}
	d, err := c.Client().AppsV1().Deployments("ns").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, done, _ := RolloutStatus(d); done || d.Status.AvailableReplicas != 0 {
		t.Errorf("crash-looping rollout: done=%v available=%d", done, d.Status.AvailableReplicas)
	}
}

// TestRun runs the controllers in the background and waits for the rollout
// the way the health monitor does, by watching the Deployment.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second) // failure guard only
	defer cancel()
	c := New(Options{Tick: 5 * time.Millisecond})
	runCtx, stop := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- c.Run(runCtx) }()

	deps := c.Client().AppsV1().Deployments("ns")
	w, err := deps.Watch(ctx, metav1.ListOptions{LabelSelector: kube.LabelManagedBy + "=" + kube.ManagedByValue})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	applied, err := deps.Apply(ctx, deploymentApply("web", "model:v1", 3), forceApply)
	if err != nil {
		t.Fatal(err)
	}
	for done := false; !done; {
		select {
		case ev := <-w.ResultChan():
			d := ev.Object.(*appsv1.Deployment)
			_, done, err = RolloutStatus(d)
			if err != nil {
				t.Fatal(err)
			}
			if done && d.Status.ObservedGeneration != applied.Generation {
				t.Errorf("done at observedGeneration %d, want %d", d.Status.ObservedGeneration, applied.Generation)
			}
		case <-ctx.Done():
			t.Fatal("rollout did not complete:", ctx.Err())
		}
	}
	stop()
	if err := <-errc; err != nil {
		t.Errorf("Run returned %v, want nil", err)
	}
	if pods := listPods(t, c.Client()); len(pods) != 3 {
		t.Errorf("%d pods, want 3", len(pods))
	}
}

// TestSyncKeepsNoLogOfActions: client-go's fake clientset keeps a copy of
// every action made through it; the simulated cluster, which runs for as
// long as `slipway dev` does, forgets them at each sync, so what it holds
// does not grow with the writes it has taken (issue 15's soak).
func TestSyncKeepsNoLogOfActions(t *testing.T) {
	ctx := t.Context()
	c := New(Options{ReadyAfter: -1})
	deps := c.Client().AppsV1().Deployments("ns")
	for i := range 50 {
		cfg := deploymentApply("web", "model:v"+string(rune('a'+i%26)), 2)
		cfg.Spec.WithStrategy(rollingApply(1, 0))
		if _, err := deps.Apply(ctx, cfg, forceApply); err != nil {
			t.Fatal(err)
		}
		if err := c.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// What one sync did, at most: never the 50 applies and syncs before it.
	if n, m := len(c.fake.Actions()), len(c.client.store.scratch.Actions()); n > 40 || m > 40 {
		t.Fatalf("the fakes hold %d and %d actions after 50 applies and syncs: a log that grows with every write", n, m)
	}
}
