package systemtest

import (
	"net/http"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
)

func TestPauseResumeAndAbortARollout(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstackOptions())
	base := deploymentsPath + "/ctl"
	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("ctl", 3))
	api.Do(t, http.MethodPost, base+"/rollout/pause?wait=30s", nil).ExpectProblem(t, http.StatusConflict) // nothing rolling
	stuck := api.Do(t, http.MethodPatch, base, map[string]any{"spec": map[string]any{"image": "i:stuck",
		"podAnnotations": map[string]string{"sim.slipway.dev/never-ready": "true"}}})
	stuckOp := stuck.Header.Get("Location")
	eventually(t, 30*time.Second, "the rollout to start", func() bool {
		d, _ := getDeployment(t, api, "ctl")
		return d.Rollout.Revision == 2 && d.Rollout.Phase == "Progressing"
	})
	k8sPaused := func() bool {
		dep, err := s.Target.Client.AppsV1().Deployments("default").Get(t.Context(), kube.ObjectName("acme", "fraud", "ctl"), metav1.GetOptions{})
		return err == nil && dep.Spec.Paused
	}

	r := api.Do(t, http.MethodPost, base+"/rollout/pause?wait=30s", map[string]string{"message": "look at the metrics"})
	if r.Status != http.StatusOK || r.JSON(t)["kind"] != "pause_rollout" || r.JSON(t)["status"] != "succeeded" {
		t.Fatalf("pause: %d %s", r.Status, r.Body)
	}
	eventually(t, 30*time.Second, "the Kubernetes Deployment paused", k8sPaused)
	if d, _ := getDeployment(t, api, "ctl"); d.Rollout.Phase != "Paused" {
		t.Fatalf("rollout while paused: %+v", d.Rollout)
	}
	if again := api.Do(t, http.MethodPost, base+"/rollout/pause?wait=30s", nil); again.Status != http.StatusOK || again.JSON(t)["message"] == nil {
		t.Fatalf("pausing twice: %d %s", again.Status, again.Body)
	}
	if r := api.Do(t, http.MethodPost, base+"/rollout/resume?wait=30s", nil); r.Status != http.StatusOK || r.JSON(t)["kind"] != "resume_rollout" {
		t.Fatalf("resume: %d %s", r.Status, r.Body)
	}
	eventually(t, 30*time.Second, "the Kubernetes Deployment resumed", func() bool { return !k8sPaused() })

	// Abort: the rollout stops and the last good revision runs again; the
	// abort's operation ends when it does.
	r = api.Do(t, http.MethodPost, base+"/rollout/abort?wait=60s", map[string]string{"message": "p99 doubled"})
	if r.Status != http.StatusOK || r.JSON(t)["kind"] != "abort_rollout" || r.JSON(t)["status"] != "succeeded" || r.JSON(t)["revision"] != float64(3) {
		t.Fatalf("abort: %d %s", r.Status, r.Body)
	}
	d, _ := getDeployment(t, api, "ctl")
	if d.RunningRevision != 3 || d.Image != "ghcr.io/acme/scorer:1.0" || d.Phase != "Running" {
		t.Fatalf("after abort: %+v", d)
	}
	old := api.Do(t, http.MethodGet, stuckOp, nil).JSON(t)
	if old["status"] != "failed" || old["reason"] != events.ReasonAborted {
		t.Fatalf("the aborted update's operation: %v", old)
	}
	var two revisionView
	api.Do(t, http.MethodGet, base+"/revisions/2", nil).Decode(t, &two)
	var three revisionView
	api.Do(t, http.MethodGet, base+"/revisions/3", nil).Decode(t, &three)
	if two.Rollout.Phase != "Aborted" || three.Cause != events.CauseAbort || three.RollbackOf != 1 {
		t.Fatalf("revisions: %+v %+v", two, three)
	}
	if p := api.Do(t, http.MethodPost, base+"/rollout/abort?wait=30s", nil).ExpectProblem(t, http.StatusConflict); p.Reason != events.ReasonNoRolloutInFlight {
		t.Fatalf("abort with nothing rolling: %+v", p)
	}
	api.Do(t, http.MethodPost, base+"/rollout/explode", nil).ExpectProblem(t, http.StatusNotFound)
	api.Do(t, http.MethodPost, deploymentsPath+"/nope/rollout/pause", nil).ExpectProblem(t, http.StatusNotFound)
}
