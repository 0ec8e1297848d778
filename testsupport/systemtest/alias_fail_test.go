package systemtest

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube/simcluster"
	"slipway.dev/testsupport/apitest"
)

// failedRevision adds a revision with the given pod annotations to a
// deployment whose rollout fails and is rolled back automatically, so the
// revision exists but no pod of it runs; it returns its number.
func failedRevision(t *testing.T, api *apitest.Client, name string, spec map[string]any) int {
	t.Helper()
	r := patch(t, api, name, map[string]any{"spec": spec})
	op := r.JSON(t)
	if op["status"] != "failed" {
		t.Fatalf("the rollout of %v must fail: %d %s", spec, r.Status, r.Body)
	}
	n := int(op["revision"].(float64))
	eventually(t, 60*time.Second, "the automatic rollback to run", func() bool {
		d := peekDeployment(t, api, name)
		return d.Revision > n && d.RunningRevision == d.Revision
	})
	return n
}

// moveAliasTo moves an alias and waits for the move's outcome.
func moveAliasTo(t *testing.T, api *apitest.Client, name, alias string, revision int) map[string]any {
	t.Helper()
	r := api.Do(t, http.MethodPut, deploymentsPath+"/"+name+"/aliases/"+alias+"?wait=60s", map[string]any{"revision": revision})
	if r.Status != http.StatusOK {
		t.Fatalf("alias %s -> v%d: %d %s", alias, revision, r.Status, r.Body)
	}
	return r.JSON(t)
}

// TestAliasMoveToFailingRevisionFails: a move to a revision whose pods
// crash-loop ends failed with the health monitor's reason, one to a revision
// whose pods never become ready fails at its progress deadline; either way
// the alias stays on the revision that worked, its Service still selects
// that revision's pods, and the failed revision is not left pinned.
func TestAliasMoveToFailingRevisionFails(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstackOptions())
	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("flaky", 1))
	setAlias(t, api, "flaky", "canary", 1)

	crashing := failedRevision(t, api, "flaky", map[string]any{"image": "ghcr.io/acme/scorer:2.0",
		"podAnnotations": map[string]string{simcluster.AnnotationCrashLoop: "true"}})
	stuck := failedRevision(t, api, "flaky", map[string]any{"image": "ghcr.io/acme/scorer:3.0",
		"podAnnotations": map[string]string{simcluster.AnnotationNeverReady: "true"},
		"rollout":        map[string]any{"progressDeadlineSeconds": 5}})

	for _, tc := range []struct {
		revision int
		reason   string
	}{{crashing, events.ReasonCrashLoopBackOff}, {stuck, events.ReasonProgressDeadlineExceeded}} {
		op := moveAliasTo(t, api, "flaky", "canary", tc.revision)
		if op["status"] != "failed" || op["reason"] != tc.reason || !strings.Contains(op["message"].(string), "stays on revision 1") {
			t.Fatalf("move to v%d: want failed/%s, got %v", tc.revision, tc.reason, op)
		}
		var got map[string]any
		api.Do(t, http.MethodGet, "/v1/operations/"+op["id"].(string), nil).Decode(t, &got)
		if got["status"] != "failed" || got["reason"] != tc.reason {
			t.Fatalf("operation of the move to v%d: %v", tc.revision, got)
		}
		a := aliases(t, api, "flaky")["canary"]
		if a.Revision != 1 || a.Pending != 0 {
			t.Fatalf("canary must stay on v1 with no move pending: %+v", a)
		}
		if sel := aliasSelector(t, s, "flaky", "canary"); sel != "1" {
			t.Fatalf("canary's Service selects template %s", sel)
		}
		eventually(t, 30*time.Second, "the failed revision unpinned", func() bool {
			p := pinnedTemplates(t, s, "flaky")
			return len(p) == 0 || (len(p) == 1 && p["1"])
		})
	}
	var d struct {
		RunningRevision int
		Replicas        struct{ Desired, Total, Surge int32 }
		Aliases         []struct {
			Name        string
			LastFailure *struct {
				Revision int
				Reason   string
			}
		}
		Warm []struct {
			Revision int
			Serves   []string
			URLs     []struct{ Name, URL string }
		}
	}
	api.Do(t, http.MethodGet, deploymentsPath+"/flaky", nil).Decode(t, &d)
	if len(d.Aliases) != 1 || d.Aliases[0].LastFailure == nil || d.Aliases[0].LastFailure.Revision != stuck ||
		d.Aliases[0].LastFailure.Reason != events.ReasonProgressDeadlineExceeded {
		t.Fatalf("the deployment must show the last failed move: %+v", d.Aliases)
	}
	// The running revision and canary's are warm, with their version URLs;
	// the failed revisions are not. The pod count is the Deployment's.
	if d.Replicas.Total != d.Replicas.Desired || d.Replicas.Surge != 0 {
		t.Fatalf("replicas: %+v", d.Replicas)
	}
	if len(d.Warm) != 2 || d.Warm[0].Revision != d.RunningRevision || d.Warm[1].Revision != 1 ||
		!slices.Contains(d.Warm[1].Serves, "alias:canary") || len(d.Warm[1].URLs) != 1 ||
		!strings.HasSuffix(d.Warm[1].URLs[0].URL, "/acme/fraud/flaky/v1/predict") {
		t.Fatalf("warm revisions: %+v (running %d)", d.Warm, d.RunningRevision)
	}
}

// TestNewerAliasMoveSupersedesAnOlderOne: a move still in progress ends
// failed/Superseded when the alias is set again, and the newer move wins.
func TestNewerAliasMoveSupersedesAnOlderOne(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstackOptions())
	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("moving", 1))
	setAlias(t, api, "moving", "canary", 1)
	// Revision 2's pods never become ready (deadline 600 s); revision 3
	// supersedes its rollout, so it exists but does not run.
	const slow = 2
	if r := api.Do(t, http.MethodPatch, deploymentsPath+"/moving", map[string]any{"spec": map[string]any{"image": "ghcr.io/acme/scorer:2.0",
		"podAnnotations": map[string]string{simcluster.AnnotationNeverReady: "true"}}}, "Content-Type", "application/merge-patch+json"); r.Status != http.StatusAccepted {
		t.Fatalf("update: %d %s", r.Status, r.Body)
	}
	if r := patch(t, api, "moving", map[string]any{"spec": map[string]any{"image": "ghcr.io/acme/scorer:3.0", "podAnnotations": nil}}); r.JSON(t)["status"] != "succeeded" {
		t.Fatalf("update superseding revision 2: %d %s", r.Status, r.Body)
	}

	first := api.Do(t, http.MethodPut, deploymentsPath+"/moving/aliases/canary", map[string]any{"revision": slow})
	if first.Status != http.StatusAccepted {
		t.Fatalf("first move: %d %s", first.Status, first.Body)
	}
	firstID := first.JSON(t)["id"].(string)
	eventually(t, 30*time.Second, "the first move in progress", func() bool {
		return aliases(t, api, "moving")["canary"].Pending == slow
	})
	if op := moveAliasTo(t, api, "moving", "canary", 1); op["status"] != "succeeded" {
		t.Fatalf("second move: %v", op)
	}
	var got map[string]any
	eventually(t, 30*time.Second, "the first move's operation ended", func() bool {
		api.Do(t, http.MethodGet, "/v1/operations/"+firstID, nil).Decode(t, &got)
		return got["status"] != "running"
	})
	if got["status"] != "failed" || got["reason"] != events.ReasonSuperseded {
		t.Fatalf("first move: want failed/Superseded, got %v", got)
	}
	if a := aliases(t, api, "moving")["canary"]; a.Revision != 1 || a.Pending != 0 {
		t.Fatalf("canary: %+v", a)
	}
	eventually(t, 30*time.Second, "the superseded revision unpinned", func() bool {
		p := pinnedTemplates(t, s, "moving")
		return len(p) == 0 || (len(p) == 1 && p["1"])
	})

	// Deleting an alias while it moves ends the move too.
	again := api.Do(t, http.MethodPut, deploymentsPath+"/moving/aliases/canary", map[string]any{"revision": slow})
	againID := again.JSON(t)["id"].(string)
	eventually(t, 30*time.Second, "the move in progress", func() bool {
		return aliases(t, api, "moving")["canary"].Pending == slow
	})
	if r := api.Do(t, http.MethodDelete, deploymentsPath+"/moving/aliases/canary?wait=30s", nil); r.JSON(t)["status"] != "succeeded" {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	eventually(t, 30*time.Second, "the deleted alias's move ended", func() bool {
		api.Do(t, http.MethodGet, "/v1/operations/"+againID, nil).Decode(t, &got)
		return got["status"] != "running"
	})
	if got["status"] != "failed" || got["reason"] != events.ReasonSuperseded {
		t.Fatalf("move of a deleted alias: want failed/Superseded, got %v", got)
	}
	eventually(t, 30*time.Second, "nothing pinned", func() bool { return len(pinnedTemplates(t, s, "moving")) == 0 })
}
