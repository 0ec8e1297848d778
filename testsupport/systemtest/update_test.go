package systemtest

import (
	"net/http"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/cmd/slipway/devstack"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/testsupport/apitest"
)

type deploymentView struct {
	Revision, RunningRevision int
	Phase, Reason, Image      string
	Replicas                  events.Replicas
	Rollout                   struct {
		Revision      int
		Phase, Reason string
	}
}

func getDeployment(t *testing.T, api *apitest.Client, name string) (deploymentView, string) {
	t.Helper()
	r := api.Do(t, http.MethodGet, deploymentsPath+"/"+name, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("get %s: %d %s", name, r.Status, r.Body)
	}
	var d deploymentView
	r.Decode(t, &d)
	return d, r.Header.Get("ETag")
}

// peekDeployment reads a deployment that may not be projected yet.
func peekDeployment(t *testing.T, api *apitest.Client, name string) deploymentView {
	t.Helper()
	var d deploymentView
	if r := api.Do(t, http.MethodGet, deploymentsPath+"/"+name, nil); r.Status == http.StatusOK {
		r.Decode(t, &d)
	}
	return d
}

func patch(t *testing.T, api *apitest.Client, name string, body any, headers ...string) apitest.Response {
	t.Helper()
	return api.Do(t, http.MethodPatch, deploymentsPath+"/"+name+"?wait=60s", body, append([]string{"Content-Type", "application/merge-patch+json"}, headers...)...)
}

func templateRevision(t *testing.T, s *devstack.Stack, name string) (string, string) {
	t.Helper()
	d, err := s.Target.Client.AppsV1().Deployments("default").Get(t.Context(), kube.ObjectName("acme", "fraud", name), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d.Spec.Template.Labels[kube.LabelRevision], d.Spec.Template.Spec.Containers[0].Image
}

func TestUpdateCreatesRevisionsAndRollsOut(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstackOptions())
	if r := api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("upd", 4)); r.Status != http.StatusOK {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}

	// A new image: revision 2 rolls out and replaces the pods.
	r := patch(t, api, "upd", map[string]any{"spec": map[string]any{"image": "ghcr.io/acme/scorer:2.0"}, "message": "new model"})
	if r.Status != http.StatusOK || r.JSON(t)["status"] != "succeeded" || r.JSON(t)["revision"] != float64(2) {
		t.Fatalf("update: %d %s", r.Status, r.Body)
	}
	d, _ := getDeployment(t, api, "upd")
	if d.Revision != 2 || d.RunningRevision != 2 || d.Phase != "Running" || d.Image != "ghcr.io/acme/scorer:2.0" || d.Replicas.Available != 4 {
		t.Fatalf("after update: %+v", d)
	}
	if rev, img := templateRevision(t, s, "upd"); rev != "2" || img != "ghcr.io/acme/scorer:2.0" {
		t.Fatalf("kubernetes template: revision %s image %s", rev, img)
	}

	// Scaling alone: revision 3, same pod template (pods are not replaced).
	r = patch(t, api, "upd", map[string]any{"spec": map[string]any{"replicas": 6}})
	if r.Status != http.StatusOK || r.JSON(t)["revision"] != float64(3) {
		t.Fatalf("scale: %d %s", r.Status, r.Body)
	}
	if rev, _ := templateRevision(t, s, "upd"); rev != "2" {
		t.Fatalf("a scaling-only revision must keep the pod template of revision 2, got %s", rev)
	}
	if d, _ := getDeployment(t, api, "upd"); d.RunningRevision != 3 || d.Replicas.Available != 6 {
		t.Fatalf("after scaling: %+v", d)
	}

	// Asking for what already runs creates no revision.
	r = patch(t, api, "upd", map[string]any{"spec": map[string]any{"replicas": 6}})
	if r.Status != http.StatusOK || r.JSON(t)["status"] != "succeeded" || r.JSON(t)["message"] == nil {
		t.Fatalf("no-op: %d %s", r.Status, r.Body)
	}
	if d, _ := getDeployment(t, api, "upd"); d.Revision != 3 {
		t.Fatalf("a no-op created revision %d", d.Revision)
	}
	types := countTypes(history(t, s.NATSURL, events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "upd"}))
	if types[events.RevisionCreated{}.Type()] != 2 || types[events.DeploymentUnchanged{}.Type()] != 1 {
		t.Fatalf("history: %v", types)
	}
}

func TestUpdateIsConditionalOnIfMatch(t *testing.T) {
	t.Parallel()
	_, api := start(t, devstackOptions())
	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("cond", 1))
	apitest.Eventually(t, 30*time.Second, "health reported", func() bool {
		var h struct{ Health string }
		api.Do(t, http.MethodGet, deploymentsPath+"/cond", nil).Decode(t, &h)
		return h.Health == events.HealthHealthy
	})
	_, etag := getDeployment(t, api, "cond")
	// Someone else updates first: the ETag read before is stale.
	if r := patch(t, api, "cond", map[string]any{"spec": map[string]any{"image": "i:2"}}); r.Status != http.StatusOK {
		t.Fatalf("update: %d %s", r.Status, r.Body)
	}
	p := patch(t, api, "cond", map[string]any{"spec": map[string]any{"image": "i:3"}}, "If-Match", etag).ExpectProblem(t, http.StatusPreconditionFailed)
	if p.Reason != events.ReasonPreconditionFailed {
		t.Fatalf("problem: %+v", p)
	}
	_, fresh := getDeployment(t, api, "cond")
	if r := patch(t, api, "cond", map[string]any{"spec": map[string]any{"image": "i:3"}}, "If-Match", fresh); r.Status != http.StatusOK {
		t.Fatalf("update with a fresh ETag: %d %s", r.Status, r.Body)
	}
	if d, _ := getDeployment(t, api, "cond"); d.Image != "i:3" {
		t.Fatalf("image %s", d.Image)
	}
}

func TestBadPatchesAreRefusedAndWriteNothing(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstackOptions())
	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("bad", 1))
	before, _ := streamCounts(t, s.NATSURL)
	tests := []struct {
		name   string
		path   string
		body   string
		status int
		field  string
	}{
		{"unknown spec field", "/bad", `{"spec":{"colour":"red"}}`, 400, "spec.colour"},
		{"wrong type", "/bad", `{"spec":{"replicas":"many"}}`, 400, "spec.replicas"},
		{"negative replicas", "/bad", `{"spec":{"replicas":-2}}`, 400, "spec.replicas"},
		{"min above max", "/bad", `{"spec":{"replicas":null,"scaling":{"min":4,"max":2}}}`, 400, "spec.scaling.min"},
		{"CPU target above 100%", "/bad", `{"spec":{"replicas":null,"scaling":{"min":1,"max":2,"targetCPUPercent":150}}}`, 400, "spec.scaling.targetCPUPercent"},
		{"negative bake", "/bad", `{"spec":{"rollout":{"bakeSeconds":-1}}}`, 400, "spec.rollout.bakeSeconds"},
		{"bake over a day", "/bad", `{"spec":{"rollout":{"bakeSeconds":90000}}}`, 400, "spec.rollout.bakeSeconds"},
		{"removing the image", "/bad", `{"spec":{"image":null}}`, 400, "spec.image"},
		{"spec not an object", "/bad", `{"spec":[1]}`, 400, "spec"},
		{"unknown body field", "/bad", `{"spec":{},"labels":{}}`, 400, "labels"},
		{"unknown deployment", "/nope", `{"spec":{"image":"x"}}`, 404, ""},
		{"malformed", "/bad", `{"spec":`, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := api.Do(t, http.MethodPatch, deploymentsPath+tt.path, tt.body).ExpectProblem(t, tt.status)
			if tt.field != "" && !p.HasField(tt.field) {
				t.Fatalf("problem does not name %s: %+v", tt.field, p)
			}
		})
	}
	api.Do(t, http.MethodPatch, deploymentsPath+"/bad", `{"spec":{"image":"x"}}`, "If-Match", "not-an-etag").ExpectProblem(t, http.StatusBadRequest)
	if after, _ := streamCounts(t, s.NATSURL); after != before {
		t.Fatalf("refused patches wrote %d commands", after-before)
	}
}
