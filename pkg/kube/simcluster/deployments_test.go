package simcluster

import (
	"context"
	"strconv"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/watch"
	appsac "k8s.io/client-go/applyconfigurations/apps/v1"
	coreac "k8s.io/client-go/applyconfigurations/core/v1"
	metaac "k8s.io/client-go/applyconfigurations/meta/v1"

	"slipway.dev/pkg/kube"
)

// deploymentApply is the apply configuration the rollout worker sends.
func deploymentApply(name, image string, replicas int32) *appsac.DeploymentApplyConfiguration {
	labels := map[string]string{kube.LabelManagedBy: kube.ManagedByValue, kube.LabelDeployment: name}
	return appsac.Deployment(name, "ns").
		WithLabels(labels).
		WithSpec(appsac.DeploymentSpec().
			WithReplicas(replicas).
			WithSelector(metaac.LabelSelector().WithMatchLabels(labels)).
			WithTemplate(coreac.PodTemplateSpec().
				WithLabels(labels).
				WithSpec(coreac.PodSpec().WithContainers(coreac.Container().WithName("model").WithImage(image)))))
}

var forceApply = metav1.ApplyOptions{FieldManager: kube.FieldManager, Force: true}

// TestGeneration runs a sequence of writes against one Deployment and checks
// the generation after each, as the apiserver would leave it.
func TestGeneration(t *testing.T) {
	ctx := t.Context()
	deps := New(Options{}).Client().AppsV1().Deployments("ns")
	getWeb := func(t *testing.T) *appsv1.Deployment {
		d, err := deps.Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		name     string
		write    func(t *testing.T) (*appsv1.Deployment, error)
		wantGen  int64
		wantSpec string // expected image after the write
	}{
		{"apply creates at generation 1", func(*testing.T) (*appsv1.Deployment, error) {
			return deps.Apply(ctx, deploymentApply("web", "model:v1", 2), forceApply)
		}, 1, "model:v1"},
		{"identical re-apply", func(*testing.T) (*appsv1.Deployment, error) {
			return deps.Apply(ctx, deploymentApply("web", "model:v1", 2), forceApply)
		}, 1, "model:v1"},
		{"apply label-only change", func(*testing.T) (*appsv1.Deployment, error) {
			return deps.Apply(ctx, deploymentApply("web", "model:v1", 2).WithLabels(map[string]string{"extra": "x"}), forceApply)
		}, 1, "model:v1"},
		{"apply new image", func(*testing.T) (*appsv1.Deployment, error) {
			return deps.Apply(ctx, deploymentApply("web", "model:v2", 2), forceApply)
		}, 2, "model:v2"},
		{"status update", func(t *testing.T) (*appsv1.Deployment, error) {
			d := getWeb(t)
			d.Status.ObservedGeneration = d.Generation
			return deps.UpdateStatus(ctx, d, metav1.UpdateOptions{})
		}, 2, "model:v2"},
		{"stale status update keeps spec", func(t *testing.T) (*appsv1.Deployment, error) {
			d := getWeb(t)
			d.Spec.Template.Spec.Containers[0].Image = "model:v1"
			d.Generation = 1
			return deps.UpdateStatus(ctx, d, metav1.UpdateOptions{})
		}, 2, "model:v2"},
		{"update replicas", func(t *testing.T) (*appsv1.Deployment, error) {
			d := getWeb(t)
			*d.Spec.Replicas = 3
			return deps.Update(ctx, d, metav1.UpdateOptions{})
		}, 3, "model:v2"},
		{"update without spec change", func(t *testing.T) (*appsv1.Deployment, error) {
			d := getWeb(t)
			d.Labels["other"] = "y"
			return deps.Update(ctx, d, metav1.UpdateOptions{})
		}, 3, "model:v2"},
		{"merge patch annotation", func(*testing.T) (*appsv1.Deployment, error) {
			return deps.Patch(ctx, "web", types.MergePatchType, []byte(`{"metadata":{"annotations":{"note":"a"}}}`), metav1.PatchOptions{})
		}, 4, "model:v2"},
		{"strategic patch replicas", func(*testing.T) (*appsv1.Deployment, error) {
			return deps.Patch(ctx, "web", types.StrategicMergePatchType, []byte(`{"spec":{"replicas":4}}`), metav1.PatchOptions{})
		}, 5, "model:v2"},
		{"status subresource patch", func(*testing.T) (*appsv1.Deployment, error) {
			return deps.Patch(ctx, "web", types.MergePatchType, []byte(`{"spec":{"replicas":9},"status":{"replicas":7}}`), metav1.PatchOptions{}, "status")
		}, 5, "model:v2"},
		{"apply status", func(*testing.T) (*appsv1.Deployment, error) {
			cfg := appsac.Deployment("web", "ns").WithStatus(appsac.DeploymentStatus().WithReplicas(8))
			return deps.ApplyStatus(ctx, cfg, metav1.ApplyOptions{FieldManager: "controller", Force: true})
		}, 5, "model:v2"},
	}
	var uid types.UID
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.write(t)
			if err != nil {
				t.Fatal(err)
			}
			stored := getWeb(t)
			for _, d := range []*appsv1.Deployment{got, stored} {
				if d.Generation != tt.wantGen {
					t.Errorf("generation %d, want %d", d.Generation, tt.wantGen)
				}
				if img := d.Spec.Template.Spec.Containers[0].Image; img != tt.wantSpec {
					t.Errorf("image %q, want %q", img, tt.wantSpec)
				}
			}
			if uid == "" {
				uid = stored.UID
			}
			if stored.UID == "" || stored.UID != uid || stored.CreationTimestamp.IsZero() {
				t.Errorf("uid %q (first %q), creationTimestamp %v", stored.UID, uid, stored.CreationTimestamp)
			}
		})
	}
	if d := getWeb(t); *d.Spec.Replicas != 4 || d.Status.Replicas != 8 {
		t.Errorf("spec.replicas %d (want 4), status.replicas %d (want 8)", *d.Spec.Replicas, d.Status.Replicas)
	}
}

func TestCreateSetsSystemFields(t *testing.T) {
	d := newDeployment(1, rolling("1", "0"))
	d.UID, d.Generation = "", 7
	d.Status.Replicas = 3
	got, err := New(Options{}).Client().AppsV1().Deployments("ns").Create(t.Context(), d, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Generation != 1 || got.UID == "" || got.CreationTimestamp.IsZero() || got.Status.Replicas != 0 {
		t.Errorf("created generation=%d uid=%q creationTimestamp=%v status.replicas=%d",
			got.Generation, got.UID, got.CreationTimestamp, got.Status.Replicas)
	}
}

// TestApplyPublishesFinalGeneration checks that watchers never see a new
// spec with a stale generation, which a monitor would take for a finished
// rollout.
func TestApplyPublishesFinalGeneration(t *testing.T) {
	ctx := t.Context()
	deps := New(Options{}).Client().AppsV1().Deployments("ns")
	w, err := deps.Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for _, image := range []string{"model:v1", "model:v2", "model:v2", "model:v3"} {
		if _, err := deps.Apply(ctx, deploymentApply("web", image, 1), forceApply); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"ADDED 1 model:v1", "MODIFIED 2 model:v2", "MODIFIED 2 model:v2", "MODIFIED 3 model:v3"}
	for i, ev := range receive(t, w, len(want)) {
		d := ev.Object.(*appsv1.Deployment)
		got := string(ev.Type) + " " + strconv.FormatInt(d.Generation, 10) + " " + d.Spec.Template.Spec.Containers[0].Image
		if i >= len(want) || got != want[i] {
			t.Errorf("event %d = %q, want %q", i, got, want)
		}
	}
}

func TestWatchHonoursSelectors(t *testing.T) {
	ctx := t.Context()
	deps := New(Options{}).Client().AppsV1().Deployments("ns")
	w, err := deps.Watch(ctx, metav1.ListOptions{LabelSelector: kube.LabelDeployment + "=b"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for _, name := range []string{"a", "b"} {
		if _, err := deps.Apply(ctx, deploymentApply(name, "model:v1", 1), forceApply); err != nil {
			t.Fatal(err)
		}
	}
	select { // events keep their order, so a leaked "a" would come first
	case ev := <-w.ResultChan():
		if name := ev.Object.(*appsv1.Deployment).Name; name != "b" {
			t.Errorf("first event for %q, want b", name)
		}
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}
}

// TestServerSideApply exercises apply the way the rollout worker does it,
// for a Deployment and a Service, including field-ownership conflicts.
func TestServerSideApply(t *testing.T) {
	ctx := t.Context()
	client := New(Options{}).Client()
	deps := client.AppsV1().Deployments("ns")
	if _, err := deps.Apply(ctx, deploymentApply("web", "model:v1", 2), forceApply); err != nil {
		t.Fatal(err)
	}
	svc := coreac.Service("web", "ns").
		WithLabels(map[string]string{kube.LabelManagedBy: kube.ManagedByValue}).
		WithSpec(coreac.ServiceSpec().
			WithSelector(map[string]string{kube.LabelDeployment: "web"}).
			WithPorts(coreac.ServicePort().WithName("http").WithPort(80)))
	if _, err := client.CoreV1().Services("ns").Apply(ctx, svc, forceApply); err != nil {
		t.Fatal(err)
	}
	gotSvc, err := client.CoreV1().Services("ns").Get(ctx, "web", metav1.GetOptions{})
	if err != nil || gotSvc.Spec.Ports[0].Port != 80 {
		t.Fatalf("service %+v, err %v", gotSvc, err)
	}
	d, err := deps.Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.ManagedFields) != 1 || d.ManagedFields[0].Manager != kube.FieldManager || d.ManagedFields[0].Operation != metav1.ManagedFieldsOperationApply {
		t.Errorf("managedFields %+v, want one Apply entry by %q", d.ManagedFields, kube.FieldManager)
	}

	other := appsac.Deployment("web", "ns").WithSpec(appsac.DeploymentSpec().WithReplicas(5))
	_, err = deps.Apply(ctx, other, metav1.ApplyOptions{FieldManager: "autoscaler"})
	if !apierrors.IsConflict(err) {
		t.Fatalf("apply of a field owned by %q without force: err = %v, want conflict", kube.FieldManager, err)
	}
	d, err = deps.Apply(ctx, other, metav1.ApplyOptions{FieldManager: "autoscaler", Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if *d.Spec.Replicas != 5 || d.Generation != 2 || d.Spec.Template.Spec.Containers[0].Image != "model:v1" {
		t.Errorf("after forced apply: replicas %d, generation %d, image %s", *d.Spec.Replicas, d.Generation, d.Spec.Template.Spec.Containers[0].Image)
	}
}

// drain returns the events already buffered in w.
// receive reads n events from w, failing the test if they do not come
// within a generous failure guard.
func receive(t *testing.T, w watch.Interface, n int) []watch.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	evs := make([]watch.Event, 0, n)
	for len(evs) < n {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatalf("watch closed after %d of %d events", len(evs), n)
			}
			evs = append(evs, ev)
		case <-ctx.Done():
			t.Fatalf("%d of %d events received", len(evs), n)
		}
	}
	return evs
}

func rollingApply(surge, unavailable int) *appsac.DeploymentStrategyApplyConfiguration {
	return appsac.DeploymentStrategy().
		WithType(appsv1.RollingUpdateDeploymentStrategyType).
		WithRollingUpdate(appsac.RollingUpdateDeployment().
			WithMaxSurge(intstr.FromInt(surge)).
			WithMaxUnavailable(intstr.FromInt(unavailable)))
}

// TestDryRunApplyStoresNothing: a server-side apply dry run answers what
// would be stored, conflicts included, and stores nothing: it neither
// creates a missing Deployment nor changes an existing one.
func TestDryRunApplyStoresNothing(t *testing.T) {
	ctx := t.Context()
	c := New(Options{})
	deps := c.Client().AppsV1().Deployments("ns")
	dry := metav1.ApplyOptions{FieldManager: "test", Force: true, DryRun: []string{metav1.DryRunAll}}
	if _, err := deps.Apply(ctx, deploymentApply("web", "model:v1", 2), dry); err != nil {
		t.Fatal(err)
	}
	if _, err := deps.Get(ctx, "web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("a dry run created the Deployment: %v", err)
	}
	if _, err := deps.Apply(ctx, deploymentApply("web", "model:v1", 2), forceApply); err != nil {
		t.Fatal(err)
	}
	got, err := deps.Apply(ctx, deploymentApply("web", "model:v2", 2), dry)
	if err != nil || got.Spec.Template.Spec.Containers[0].Image != "model:v2" || got.Generation != 2 {
		t.Fatalf("dry run answer: %v %+v", err, got)
	}
	live, _ := deps.Get(ctx, "web", metav1.GetOptions{})
	if live.Spec.Template.Spec.Containers[0].Image != "model:v1" || live.Generation != 1 {
		t.Fatalf("a dry run changed the Deployment: %s generation %d", live.Spec.Template.Spec.Containers[0].Image, live.Generation)
	}
}
