package devstack_test

import (
	"net/http"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/cmd/slipway/internal/devstack"
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
