package systemtest

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBadInputOnEveryMutatingRoute: each mutating route refuses unknown
// fields, wrong types, oversized bodies, invalid names and impossible values
// with a 4xx problem, never a 5xx, and writes nothing.
func TestBadInputOnEveryMutatingRoute(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstackOptions())
	waitForTargets(t, api)
	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("target", 1))
	before, _ := streamCounts(t, s.NATSURL)
	huge := `{"message":"` + strings.Repeat("x", 2<<20) + `"}`
	d := deploymentsPath + "/target"
	tests := []struct {
		method, path, body string
		status             int
	}{
		// PATCH
		{"PATCH", d, `{"spec":{"image":"i"},"extra":1}`, 400},
		{"PATCH", d, `{"spec":{"replicas":true}}`, 400},
		{"PATCH", d, `{"spec":{"replicas":-3}}`, 400},
		{"PATCH", d, `{"spec":{"instanceType":"gpu-h100"}}`, 400},
		{"PATCH", d, `{"spec":{"scaling":{"min":9,"max":3},"replicas":null}}`, 400},
		{"PATCH", d, `{"spec":{"env":{"bad name":"x"}}}`, 400},
		{"PATCH", d, `{"spec":{"image":"i"},"message":"` + strings.Repeat("m", 2000) + `"}`, 400},
		{"PATCH", d, huge, 413},
		{"PATCH", deploymentsPath + "/Not_A_Name", `{"spec":{"image":"i"}}`, 404},
		// rollback
		{"POST", d + "/rollback", `{"revision":"one"}`, 400},
		{"POST", d + "/rollback", `{"revision":-1}`, 400},
		{"POST", d + "/rollback", `{"revision":1,"force":true}`, 400},
		{"POST", d + "/rollback", huge, 413},
		{"POST", d + "/rollback", `[1]`, 400},
		// rollout control
		{"POST", d + "/rollout/pause", `{"message":7}`, 400},
		{"POST", d + "/rollout/pause", `{"reason":"x"}`, 400},
		{"POST", d + "/rollout/abort", huge, 413},
		// terminate
		{"DELETE", d + "?freeName=yes", ``, 400},
		{"DELETE", d + "?wait=-1s", ``, 400},
		// create with names in the path
		{"POST", "/v1/projects/acme/FRAUD/deployments", `{"name":"x","spec":{"image":"i"}}`, 400},
		{"POST", "/v1/projects/" + strings.Repeat("a", 64) + "/fraud/deployments", `{"name":"x","spec":{"image":"i"}}`, 400},
	}
	for _, tt := range tests {
		p := api.Do(t, tt.method, tt.path, tt.body).ExpectProblem(t, tt.status)
		if p.Status >= 500 {
			t.Errorf("%s %s: a client's mistake answered %d", tt.method, tt.path, p.Status)
		}
	}
	if after, _ := streamCounts(t, s.NATSURL); after != before {
		t.Fatalf("refused requests wrote %d commands", after-before)
	}
}

// TestConcurrentUpdatesLoseNothing: two updates of different fields sent at
// once both take effect; the worker applies each patch to the spec the
// other left, in the order they were accepted.
func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	t.Parallel()
	_, api := start(t, devstackOptions())
	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("race", 2))
	patches := []map[string]any{
		{"spec": map[string]any{"image": "ghcr.io/acme/scorer:9.9"}},
		{"spec": map[string]any{"env": map[string]string{"FEATURE": "on"}}},
		{"spec": map[string]any{"replicas": 3}},
	}
	var wg sync.WaitGroup
	for _, p := range patches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := api.Do(t, http.MethodPatch, deploymentsPath+"/race", p); r.Status != http.StatusAccepted && r.Status != http.StatusOK {
				t.Errorf("patch: %d %s", r.Status, r.Body)
			}
		}()
	}
	wg.Wait()
	eventually(t, 60*time.Second, "all three revisions", func() bool { return peekDeployment(t, api, "race").Revision == 4 })
	var rev struct {
		Spec struct {
			Image    string
			Replicas int
			Env      map[string]string
		}
	}
	api.Do(t, http.MethodGet, deploymentsPath+"/race/revisions/4", nil).Decode(t, &rev)
	if rev.Spec.Image != "ghcr.io/acme/scorer:9.9" || rev.Spec.Env["FEATURE"] != "on" || rev.Spec.Replicas != 3 {
		t.Fatalf("an update was lost: %+v", rev.Spec)
	}
}
