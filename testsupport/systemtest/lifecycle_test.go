package systemtest

import (
	"net/http"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
)

type revisionView struct {
	Revision         int
	Cause, CauseText string
	RollbackOf       int
	Spec             events.Spec
	Rollout          struct{ Phase string }
}

func TestRevisionsRollbackAndTerminate(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstackOptions())
	base := deploymentsPath + "/life"
	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("life", 2))
	for _, img := range []string{"ghcr.io/acme/scorer:2.0", "ghcr.io/acme/scorer:3.0"} {
		if r := patch(t, api, "life", map[string]any{"spec": map[string]any{"image": img}}); r.Status != http.StatusOK {
			t.Fatalf("update: %d %s", r.Status, r.Body)
		}
	}

	// History, newest first, paginated.
	var page struct {
		Items      []revisionView
		NextCursor string
	}
	api.Do(t, http.MethodGet, base+"/revisions?limit=2", nil).Decode(t, &page)
	if len(page.Items) != 2 || page.Items[0].Revision != 3 || page.Items[1].Revision != 2 || page.NextCursor == "" {
		t.Fatalf("first page: %+v", page)
	}
	if page.Items[0].Cause != events.CauseUpdated || page.Items[0].Rollout.Phase != "Succeeded" {
		t.Fatalf("revision 3: %+v", page.Items[0])
	}
	var rest struct {
		Items      []revisionView
		NextCursor string
	}
	api.Do(t, http.MethodGet, base+"/revisions?limit=2&cursor="+page.NextCursor, nil).Decode(t, &rest)
	if len(rest.Items) != 1 || rest.Items[0].Revision != 1 || rest.NextCursor != "" {
		t.Fatalf("second page: %+v", rest)
	}
	var two revisionView
	api.Do(t, http.MethodGet, base+"/revisions/2", nil).Decode(t, &two)
	if two.Spec.Image != "ghcr.io/acme/scorer:2.0" {
		t.Fatalf("revision 2: %+v", two)
	}
	api.Do(t, http.MethodGet, base+"/revisions/9", nil).ExpectProblem(t, http.StatusNotFound)
	api.Do(t, http.MethodGet, base+"/revisions/abc", nil).ExpectProblem(t, http.StatusBadRequest)
	api.Do(t, http.MethodGet, base+"/revisions?cursor=garbage", nil).ExpectProblem(t, http.StatusBadRequest)

	// Rollback to v1 creates v4 with v1's spec.
	r := api.Do(t, http.MethodPost, base+"/rollback?wait=60s", map[string]any{"revision": 1, "message": "3.0 is slow"})
	if r.Status != http.StatusOK || r.JSON(t)["status"] != "succeeded" || r.JSON(t)["revision"] != float64(4) || r.JSON(t)["kind"] != "rollback_deployment" {
		t.Fatalf("rollback: %d %s", r.Status, r.Body)
	}
	var four revisionView
	api.Do(t, http.MethodGet, base+"/revisions/4", nil).Decode(t, &four)
	if four.Cause != events.CauseRollback || four.CauseText != "rolled back from v1" || four.RollbackOf != 1 || four.Spec.Image != "ghcr.io/acme/scorer:1.0" {
		t.Fatalf("revision 4: %+v", four)
	}
	if d, _ := getDeployment(t, api, "life"); d.RunningRevision != 4 || d.Image != "ghcr.io/acme/scorer:1.0" {
		t.Fatalf("after rollback: %+v", d)
	}
	// Rolling back to the spec that runs is a no-op that says so.
	noop := api.Do(t, http.MethodPost, base+"/rollback?wait=60s", map[string]any{"revision": 1})
	if noop.Status != http.StatusOK || noop.JSON(t)["status"] != "succeeded" || noop.JSON(t)["message"] == nil {
		t.Fatalf("no-op rollback: %d %s", noop.Status, noop.Body)
	}
	if d, _ := getDeployment(t, api, "life"); d.Revision != 4 {
		t.Fatalf("a no-op rollback created revision %d", d.Revision)
	}
	if p := api.Do(t, http.MethodPost, base+"/rollback?wait=60s", map[string]any{"revision": 99}).ExpectProblem(t, http.StatusNotFound); p.Reason != events.ReasonNotFound {
		t.Fatalf("rollback to a missing revision: %+v", p)
	}
	api.Do(t, http.MethodPost, base+"/rollback", map[string]any{"revision": 0}).ExpectProblem(t, http.StatusBadRequest)

	// Terminate: objects go, history stays, the name stays reserved.
	if r := api.Do(t, http.MethodDelete, base+"?wait=60s", nil); r.Status != http.StatusOK || r.JSON(t)["status"] != "succeeded" {
		t.Fatalf("terminate: %d %s", r.Status, r.Body)
	}
	if d, _ := getDeployment(t, api, "life"); d.Phase != "Terminated" {
		t.Fatalf("after terminate: %+v", d)
	}
	_, err := s.Target.Client.AppsV1().Deployments("default").Get(t.Context(), kube.ObjectName("acme", "fraud", "life"), metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		t.Fatalf("the Kubernetes Deployment must be gone: %v", err)
	}
	api.Do(t, http.MethodGet, base+"/revisions/4", nil).Decode(t, &four) // history kept
	patch(t, api, "life", map[string]any{"spec": map[string]any{"image": "x"}}).ExpectProblem(t, http.StatusNotFound)
	if p := api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("life", 1)).ExpectProblem(t, http.StatusConflict); p.Reason != events.ReasonAlreadyExists {
		t.Fatalf("create over a reserved name: %+v", p)
	}
	// Freeing the name lets it be created again; revision numbers continue.
	if r := api.Do(t, http.MethodDelete, base+"?wait=60s&freeName=true", nil); r.Status != http.StatusOK {
		t.Fatalf("free name: %d %s", r.Status, r.Body)
	}
	if r := api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("life", 1)); r.Status != http.StatusOK || r.JSON(t)["revision"] != float64(5) {
		t.Fatalf("create again: %d %s", r.Status, r.Body)
	}
	if d, _ := getDeployment(t, api, "life"); d.Phase != "Running" || d.RunningRevision != 5 {
		t.Fatalf("re-created: %+v", d)
	}
	api.Do(t, http.MethodDelete, deploymentsPath+"/nope", nil).ExpectProblem(t, http.StatusNotFound)
	api.Do(t, http.MethodDelete, base+"?freeName=maybe", nil).ExpectProblem(t, http.StatusBadRequest)
}
