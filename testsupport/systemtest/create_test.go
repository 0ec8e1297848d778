package systemtest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"slipway.dev/pkg/events"
	"slipway.dev/testsupport/apitest"
)

const deploymentsPath = "/v1/projects/acme/fraud/deployments"

func TestCreateDeploymentRollsOutAndReadsBack(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstackOptions())
	resp := api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("scorer", 3))
	if resp.Status != http.StatusOK {
		t.Fatalf("create: %d %s", resp.Status, resp.Body)
	}
	op := resp.JSON(t)
	if op["status"] != "succeeded" || op["kind"] != "create_deployment" || op["revision"] != float64(1) {
		t.Fatalf("operation: %s", resp.Body)
	}
	if loc := resp.Header.Get("Location"); loc != "/v1/operations/"+op["id"].(string) {
		t.Fatalf("Location %q", loc)
	}

	got := api.Do(t, http.MethodGet, deploymentsPath+"/scorer", nil)
	if got.Status != http.StatusOK || got.Header.Get("ETag") == "" {
		t.Fatalf("get: %d %v %s", got.Status, got.Header, got.Body)
	}
	var d struct {
		ID, Phase, Environment, Target, Health string
		TargetSimulated                        bool
		Revision, RunningRevision              int
		Replicas                               events.Replicas
		Labels                                 map[string]string
		Endpoints                              []struct{ Name, URL, ClusterURL string }
		Spec                                   events.Spec
		Rollout                                struct{ Phase, OperationID string }
		CreatedAt, UpdatedAt                   time.Time
	}
	got.Decode(t, &d)
	// Total is every pod of the Deployment; no surge once the rollout ended.
	want := events.Replicas{Desired: 3, Updated: 3, Ready: 3, Available: 3, Total: 3}
	switch {
	case d.ID != "acme/fraud/scorer", d.Phase != "Running", d.Revision != 1, d.RunningRevision != 1:
		t.Fatalf("deployment: %s", got.Body)
	case d.Replicas != want, d.Environment != "staging", d.Labels["team"] != "risk":
		t.Fatalf("deployment counts/labels: %s", got.Body)
	case d.Target != "simulated" || !d.TargetSimulated:
		t.Fatalf("the simulated target must be labelled as such: %s", got.Body)
	case len(d.Endpoints) != 1 || !strings.HasSuffix(d.Endpoints[0].URL, "/acme/fraud/scorer/predict"):
		t.Fatalf("endpoints: %s", got.Body)
	case d.CreatedAt.IsZero() || d.UpdatedAt.Before(d.CreatedAt):
		t.Fatalf("timestamps: %s", got.Body)
	case d.Rollout.Phase != "Succeeded" || d.Rollout.OperationID != op["id"]:
		t.Fatalf("rollout: %s", got.Body)
	case d.Spec.Rollout == nil || d.Spec.Rollout.ProgressDeadlineSeconds != events.DefaultProgressDeadlineSeconds:
		t.Fatalf("the revision must record its defaults: %s", got.Body)
	}

	// The Kubernetes objects exist as the revision says.
	dep, err := s.Target.Client.AppsV1().Deployments("default").Get(t.Context(), "scorer-9f382295", metav1GetOptions)
	if err != nil {
		t.Fatal(err)
	}
	if dep.Spec.Template.Labels["slipway.dev/revision"] != "1" || dep.Spec.Template.Spec.Containers[0].Image != "ghcr.io/acme/scorer:1.0" {
		t.Fatalf("kubernetes deployment: %+v", dep.Spec.Template)
	}
	if _, err := s.Target.Client.CoreV1().Services("default").Get(t.Context(), "scorer-9f382295", metav1GetOptions); err != nil {
		t.Fatal(err)
	}

	// The health monitor reports the running deployment healthy.
	apitest.Eventually(t, 30*time.Second, "health Healthy", func() bool {
		var h struct{ Health string }
		api.Do(t, http.MethodGet, deploymentsPath+"/scorer", nil).Decode(t, &h)
		return h.Health == events.HealthHealthy
	})

	// A conditional GET with the ETag answers 304 while nothing changed.
	etag := api.Do(t, http.MethodGet, deploymentsPath+"/scorer", nil).Header.Get("ETag")
	if r := api.Do(t, http.MethodGet, deploymentsPath+"/scorer", nil, "If-None-Match", etag); r.Status != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d", r.Status)
	}
	types := countTypes(history(t, s.NATSURL, events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}))
	if types[events.DeploymentCreated{}.Type()] != 1 || types[events.RolloutStarted{}.Type()] != 1 || types[events.RolloutSucceeded{}.Type()] != 1 {
		t.Fatalf("history: %v", types)
	}
}

func TestCreateIsAcceptedThenFollowedThroughTheOperation(t *testing.T) {
	t.Parallel()
	_, api := start(t, devstackOptions())
	resp := api.Do(t, http.MethodPost, deploymentsPath, createBody("async", 2))
	if resp.Status != http.StatusAccepted {
		t.Fatalf("create: %d %s", resp.Status, resp.Body)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, "/v1/operations/op-") {
		t.Fatalf("Location %q", loc)
	}
	if st := resp.JSON(t)["status"]; st != "accepted" && st != "running" {
		t.Fatalf("status %v", st)
	}
	done := api.Do(t, http.MethodGet, loc+"?wait=60s", nil)
	if done.Status != http.StatusOK || done.JSON(t)["status"] != "succeeded" {
		t.Fatalf("operation: %d %s", done.Status, done.Body)
	}
	if r := api.Do(t, http.MethodGet, "/v1/operations/op-unknown", nil); r.Status != http.StatusNotFound {
		t.Fatalf("unknown operation: %d %s", r.Status, r.Body)
	}
	api.Do(t, http.MethodGet, deploymentsPath+"/missing", nil).ExpectProblem(t, http.StatusNotFound)
}
