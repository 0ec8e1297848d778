package systemtest

import (
	"net/http"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/cmd/slipway/devstack"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
)

// setImageOutsideSlipway changes the model image the way `kubectl set image` does.
func setImageOutsideSlipway(t *testing.T, s *devstack.Stack, name, image string) {
	t.Helper()
	deps := s.Target.Client.AppsV1().Deployments("default")
	live, err := deps.Get(t.Context(), kube.ObjectName("acme", "fraud", name), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	live.Spec.Template.Spec.Containers[0].Image = image
	if _, err := deps.Update(t.Context(), live, metav1.UpdateOptions{FieldManager: "kubectl-set"}); err != nil {
		t.Fatal(err)
	}
}

type driftView struct {
	Revision, RunningRevision int
	Image                     string
	Drift                     *struct {
		Fields, Managers []string
		Action           string
	}
}

func TestDriftIsRevertedByDefault(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstack.Options{DriftInterval: 200 * time.Millisecond})
	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("drifty", 2))
	setImageOutsideSlipway(t, s, "drifty", "ghcr.io/acme/scorer:hotfix")
	var d driftView
	eventually(t, 30*time.Second, "drift reported", func() bool {
		api.Do(t, http.MethodGet, deploymentsPath+"/drifty", nil).Decode(t, &d)
		return d.Drift != nil
	})
	if d.Drift.Action != events.DriftReverted || len(d.Drift.Managers) != 1 || d.Drift.Managers[0] != "kubectl-set" || d.Revision != 1 {
		t.Fatalf("drift: %+v %+v", d, d.Drift)
	}
	if _, img := templateRevision(t, s, "drifty"); img != "ghcr.io/acme/scorer:1.0" {
		t.Fatalf("the image must be reverted, got %s", img)
	}
}

func TestDriftIsAdoptedByPolicy(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstack.Options{DriftInterval: 200 * time.Millisecond, DriftPolicy: "adopt"})
	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("adoptee", 2))
	setImageOutsideSlipway(t, s, "adoptee", "ghcr.io/acme/scorer:hotfix")
	eventually(t, 30*time.Second, "the change adopted", func() bool {
		d := peekDeployment(t, api, "adoptee")
		return d.RunningRevision == 2
	})
	var rev revisionView
	api.Do(t, http.MethodGet, deploymentsPath+"/adoptee/revisions/2", nil).Decode(t, &rev)
	if rev.Cause != events.CauseAdopted || rev.Spec.Image != "ghcr.io/acme/scorer:hotfix" {
		t.Fatalf("adopted revision: %+v", rev)
	}
	// The pods already ran the change: adopting it replaced none.
	if tmpl, img := templateRevision(t, s, "adoptee"); tmpl != "1" || img != "ghcr.io/acme/scorer:hotfix" {
		t.Fatalf("template revision %s image %s", tmpl, img)
	}
	// Ownership is back with Slipway: no further drift is reported.
	time.Sleep(time.Second)
	types := countTypes(history(t, s.NATSURL, events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "adoptee"}))
	if types[events.DriftDetected{}.Type()] != 1 {
		t.Fatalf("history: %v", types)
	}
}

type deletedDriftView struct {
	Drift *struct {
		Object  string
		Fields  []string
		Deleted bool
		Action  string
	}
}

// TestDeletedObjectsAreRecreated: a Deployment, then a Service, deleted
// outside Slipway (kubectl delete) are recreated by the revert policy and
// reported as drift with deleted: true.
func TestDeletedObjectsAreRecreated(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstack.Options{DriftInterval: 200 * time.Millisecond})
	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("deleted", 2))
	obj := kube.ObjectName("acme", "fraud", "deleted")
	deps, svcs := s.Target.Client.AppsV1().Deployments("default"), s.Target.Client.CoreV1().Services("default")

	if err := deps.Delete(t.Context(), obj, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the Deployment recreated with its pods", func() bool {
		_, err := deps.Get(t.Context(), obj, metav1.GetOptions{})
		return err == nil && readyPods(t, s, "deleted", 1) == 2
	})
	var d deletedDriftView
	eventually(t, 30*time.Second, "the deletion in the read model", func() bool {
		api.Do(t, http.MethodGet, deploymentsPath+"/deleted", nil).Decode(t, &d)
		return d.Drift != nil
	})
	if !d.Drift.Deleted || d.Drift.Action != events.DriftReverted || d.Drift.Object != "apps/v1 Deployment default/"+obj || len(d.Drift.Fields) != 0 {
		t.Fatalf("drift: %+v", *d.Drift)
	}

	if err := svcs.Delete(t.Context(), obj, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the Service recreated", func() bool {
		_, err := svcs.Get(t.Context(), obj, metav1.GetOptions{})
		return err == nil
	})
	eventually(t, 30*time.Second, "the Service's deletion in the read model", func() bool {
		api.Do(t, http.MethodGet, deploymentsPath+"/deleted", nil).Decode(t, &d)
		return d.Drift.Object == "v1 Service default/"+obj
	})
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "deleted"}
	if n := countTypes(history(t, s.NATSURL, ref))[events.DriftDetected{}.Type()]; n != 2 {
		t.Fatalf("%d drift events, want one per deletion", n)
	}
}

// TestDeletedDeploymentIsReportedOnce: with the report policy the deletion is
// one event, not one per check, and nothing is recreated.
func TestDeletedDeploymentIsReportedOnce(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstack.Options{DriftInterval: 100 * time.Millisecond, DriftPolicy: "report"})
	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("gone", 1))
	obj := kube.ObjectName("acme", "fraud", "gone")
	deps := s.Target.Client.AppsV1().Deployments("default")
	if err := deps.Delete(t.Context(), obj, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	var d deletedDriftView
	eventually(t, 30*time.Second, "the deletion reported", func() bool {
		api.Do(t, http.MethodGet, deploymentsPath+"/gone", nil).Decode(t, &d)
		return d.Drift != nil
	})
	if !d.Drift.Deleted || d.Drift.Action != events.DriftReported {
		t.Fatalf("drift: %+v", *d.Drift)
	}
	time.Sleep(time.Second) // ten more checks
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "gone"}
	if n := countTypes(history(t, s.NATSURL, ref))[events.DriftDetected{}.Type()]; n != 1 {
		t.Fatalf("%d drift events for one deletion", n)
	}
	if _, err := deps.Get(t.Context(), obj, metav1.GetOptions{}); err == nil {
		t.Fatal("the report policy must not recreate the Deployment")
	}
}

// TestLeftoversOfATerminatedDeploymentAreRemoved: objects of a deployment
// whose termination finished (as a drift revert racing the terminate could
// recreate) are deleted by the next check.
func TestLeftoversOfATerminatedDeploymentAreRemoved(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstack.Options{DriftInterval: 100 * time.Millisecond})
	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("ended", 1))
	obj := kube.ObjectName("acme", "fraud", "ended")
	deps := s.Target.Client.AppsV1().Deployments("default")
	live, err := deps.Get(t.Context(), obj, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r := api.Do(t, http.MethodDelete, deploymentsPath+"/ended?wait=60s", nil); r.Status != http.StatusOK {
		t.Fatalf("terminate: %d %s", r.Status, r.Body)
	}
	live.ResourceVersion, live.UID = "", ""
	if _, err := deps.Create(t.Context(), live, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the leftover Deployment removed", func() bool {
		_, err := deps.Get(t.Context(), obj, metav1.GetOptions{})
		return err != nil
	})
}

// TestServiceDriftIsReverted: the deployment's Service pointed at other
// pods outside Slipway is reported as drift and put back.
func TestServiceDriftIsReverted(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstack.Options{DriftInterval: 200 * time.Millisecond})
	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("pointed", 1))
	obj := kube.ObjectName("acme", "fraud", "pointed")
	svcs := s.Target.Client.CoreV1().Services("default")
	live, err := svcs.Get(t.Context(), obj, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	live.Spec.Selector[kube.LabelDeployment] = "impostor"
	if _, err := svcs.Update(t.Context(), live, metav1.UpdateOptions{FieldManager: "kubectl-edit"}); err != nil {
		t.Fatal(err)
	}
	var d struct {
		Drift *struct {
			Object   string
			Managers []string
			Action   string
		}
	}
	eventually(t, 30*time.Second, "the Service's drift reported", func() bool {
		api.Do(t, http.MethodGet, deploymentsPath+"/pointed", nil).Decode(t, &d)
		return d.Drift != nil
	})
	if d.Drift.Object != "v1 Service default/"+obj || d.Drift.Action != events.DriftReverted || len(d.Drift.Managers) != 1 || d.Drift.Managers[0] != "kubectl-edit" {
		t.Fatalf("drift: %+v", *d.Drift)
	}
	eventually(t, 30*time.Second, "the selector put back", func() bool {
		live, err := svcs.Get(t.Context(), obj, metav1.GetOptions{})
		return err == nil && live.Spec.Selector[kube.LabelDeployment] == "pointed"
	})
}

// TestAutoscalerDriftIsReverted: an autoscaler edited outside Slipway is put
// back, and one deleted is recreated; both are reported as drift.
func TestAutoscalerDriftIsReverted(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstack.Options{DriftInterval: 200 * time.Millisecond})
	body := map[string]any{"name": "elastic", "spec": map[string]any{"image": "ghcr.io/acme/scorer:1.0", "scaling": map[string]any{"min": 1, "max": 3}}}
	if r := api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", body); r.Status != http.StatusOK {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	obj := kube.ObjectName("acme", "fraud", "elastic")
	hpas := s.Target.Client.AutoscalingV2().HorizontalPodAutoscalers("default")
	live, err := hpas.Get(t.Context(), obj, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	live.Spec.MaxReplicas = 30
	if _, err := hpas.Update(t.Context(), live, metav1.UpdateOptions{FieldManager: "kubectl-edit"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the maximum put back", func() bool {
		live, err := hpas.Get(t.Context(), obj, metav1.GetOptions{})
		return err == nil && live.Spec.MaxReplicas == 3
	})
	if err := hpas.Delete(t.Context(), obj, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the autoscaler recreated", func() bool {
		_, err := hpas.Get(t.Context(), obj, metav1.GetOptions{})
		return err == nil
	})
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "elastic"}
	eventually(t, 30*time.Second, "both reported", func() bool {
		return countTypes(history(t, s.NATSURL, ref))[events.DriftDetected{}.Type()] == 2
	})
}

// TestAliasServiceDriftIsReverted: an alias's Service pointed at another
// revision's pods outside Slipway is put back and reported.
func TestAliasServiceDriftIsReverted(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstack.Options{DriftInterval: 200 * time.Millisecond})
	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("aliased-drift", 1))
	setAlias(t, api, "aliased-drift", "production", 1)
	name := kube.AliasServiceName("acme", "fraud", "aliased-drift", "production")
	svcs := s.Target.Client.CoreV1().Services("default")
	live, err := svcs.Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	live.Spec.Selector[kube.LabelRevision] = "99"
	if _, err := svcs.Update(t.Context(), live, metav1.UpdateOptions{FieldManager: "kubectl-edit"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the alias selector put back", func() bool {
		live, err := svcs.Get(t.Context(), name, metav1.GetOptions{})
		return err == nil && live.Spec.Selector[kube.LabelRevision] == "1"
	})
	var d struct {
		Drift *struct{ Object, Action string }
	}
	eventually(t, 30*time.Second, "the alias drift reported", func() bool {
		api.Do(t, http.MethodGet, deploymentsPath+"/aliased-drift", nil).Decode(t, &d)
		return d.Drift != nil
	})
	if d.Drift.Object != "v1 Service default/"+name || d.Drift.Action != events.DriftReverted {
		t.Fatalf("drift: %+v", *d.Drift)
	}
}
