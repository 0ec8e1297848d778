package e2e_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
	"slipway.dev/testsupport/apitest"
	"slipway.dev/testsupport/e2e"
	"slipway.dev/testsupport/kubeplane"
)

const (
	owner    = "acme"
	project  = "e2e"
	replicas = 4
	// opWait is the ?wait= of every command and operation read.
	opWait = "120s"
)

// Wire type names of the events the scenarios look for.
const (
	typeRevisionCreated  = "slipway.deployment.revision_created.v1"
	typeRolloutSucceeded = "slipway.deployment.rollout_succeeded.v1"
	typeRolloutStarted   = "slipway.deployment.rollout_started.v1"
	typeRolloutFailed    = "slipway.deployment.rollout_failed.v1"
	typeDriftDetected    = "slipway.deployment.drift_detected.v1"
)

func ref(name string) events.DeploymentRef {
	return events.DeploymentRef{Owner: owner, Project: project, Name: name}
}

func deploymentsPath() string { return "/v1/projects/" + owner + "/" + project + "/deployments" }

// operation is the API's operation JSON.
type operation struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Reason   string `json:"reason"`
	Message  string `json:"message"`
	Revision int    `json:"revision"`
}

// deploymentView is the API's deployment JSON, the fields the scenarios read.
type deploymentView struct {
	Revision        int             `json:"revision"`
	RunningRevision int             `json:"runningRevision"`
	Phase           string          `json:"phase"`
	Reason          string          `json:"reason"`
	Health          string          `json:"health"`
	Image           string          `json:"image"`
	Replicas        events.Replicas `json:"replicas"`
	Rollout         *struct {
		Revision int    `json:"revision"`
		Phase    string `json:"phase"`
		Reason   string `json:"reason"`
	} `json:"rollout"`
	Drift json.RawMessage `json:"drift"`
}

// hasDrift reports whether the drift field is present and not empty.
func (d deploymentView) hasDrift() bool {
	switch string(d.Drift) {
	case "", "null", "{}", "[]":
		return false
	}
	return true
}

// rolloutSpec is a deployment spec of n replicas rolled one surge pod at a time.
func rolloutSpec(image string, n int) map[string]any {
	return map[string]any{"image": image, "replicas": n,
		"rollout": map[string]any{"maxSurge": "1", "maxUnavailable": "0"}}
}

// create posts a deployment, waits for its operation and fails t unless it succeeded.
func create(t *testing.T, s *e2e.Stack, name string, spec map[string]any) operation {
	t.Helper()
	resp := s.API.Do(t, http.MethodPost, deploymentsPath()+"?wait="+opWait, map[string]any{"name": name, "spec": spec})
	op := finish(t, s, resp)
	if op.Status != "succeeded" {
		t.Fatalf("create %s: operation %s %s (%s): %s", name, op.Status, op.Reason, op.Message, resp.Body)
	}
	return op
}

// patch sends a JSON merge patch (body {"spec": ..., "message": ...}) with
// ?wait=wait ("" for none).
func patch(t *testing.T, s *e2e.Stack, name string, body map[string]any, wait string) apitest.Response {
	t.Helper()
	path := deploymentsPath() + "/" + name
	if wait != "" {
		path += "?wait=" + wait
	}
	return s.API.Do(t, http.MethodPatch, path, body, "Content-Type", "application/merge-patch+json")
}

// finish returns the operation a command answered with, following a 202's
// Location until the operation ends.
func finish(t *testing.T, s *e2e.Stack, resp apitest.Response) operation {
	t.Helper()
	switch resp.Status {
	case http.StatusOK:
	case http.StatusAccepted:
		loc := resp.Header.Get("Location")
		if loc == "" {
			t.Fatalf("202 without Location: %s", resp.Body)
		}
		resp = s.API.Do(t, http.MethodGet, loc+"?wait="+opWait, nil)
		if resp.Status != http.StatusOK {
			t.Fatalf("operation %s did not end within %s: %d %s", loc, opWait, resp.Status, resp.Body)
		}
	default:
		t.Fatalf("command answered %d: %s", resp.Status, resp.Body)
	}
	var op operation
	resp.Decode(t, &op)
	return op
}

// accepted returns the operation of a command answered without waiting.
func accepted(t *testing.T, resp apitest.Response) operation {
	t.Helper()
	if resp.Status != http.StatusAccepted && resp.Status != http.StatusOK {
		t.Fatalf("command answered %d: %s", resp.Status, resp.Body)
	}
	var op operation
	resp.Decode(t, &op)
	return op
}

func getDeployment(t *testing.T, s *e2e.Stack, name string) deploymentView {
	t.Helper()
	resp := s.API.Do(t, http.MethodGet, deploymentsPath()+"/"+name, nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("get %s: %d %s", name, resp.Status, resp.Body)
	}
	var d deploymentView
	resp.Decode(t, &d)
	return d
}

// pollDeployment reads the deployment every 100ms until cond holds, failing
// t with the last view after timeout.
func pollDeployment(t *testing.T, s *e2e.Stack, name string, timeout time.Duration, what string, cond func(deploymentView) bool) deploymentView {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		d := getDeployment(t, s, name)
		if cond(d) {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("deployment %s: %s not reached within %s; last: %+v rollout %+v drift %s",
				name, what, timeout, d, d.Rollout, d.Drift)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// history returns a deployment's events from JetStream.
func history(t *testing.T, s *e2e.Stack, name string) []bus.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	recs, err := s.History(ctx, ref(name))
	if err != nil {
		t.Fatalf("history of %s: %v", name, err)
	}
	return recs
}

// pollHistory reads the history every 200ms until cond holds or timeout passes.
func pollHistory(t *testing.T, s *e2e.Stack, name string, timeout time.Duration, what string, cond func([]bus.Record) bool) []bus.Record {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		recs := history(t, s, name)
		if cond(recs) {
			return recs
		}
		if time.Now().After(deadline) {
			t.Fatalf("history of %s: %s not seen within %s; types: %v", name, what, timeout, typesOf(recs))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// eventData is what the scenarios read from an event's data: the revision
// is a number in rollout events and an object in revision_created.
type eventData struct {
	Revision int
	Cause    string
	Reason   string
}

func decodeData(t *testing.T, rec bus.Record) eventData {
	t.Helper()
	var raw struct {
		Revision json.RawMessage `json:"revision"`
		Reason   string          `json:"reason"`
	}
	if err := json.Unmarshal(rec.Envelope.Data, &raw); err != nil {
		t.Fatalf("event %d (%s): %v", rec.Seq, rec.Envelope.Type, err)
	}
	out := eventData{Reason: raw.Reason}
	if len(raw.Revision) > 0 && raw.Revision[0] == '{' {
		var rev struct {
			Number int    `json:"number"`
			Cause  string `json:"cause"`
		}
		if err := json.Unmarshal(raw.Revision, &rev); err != nil {
			t.Fatalf("event %d (%s) revision: %v", rec.Seq, rec.Envelope.Type, err)
		}
		out.Revision, out.Cause = rev.Number, rev.Cause
	} else if len(raw.Revision) > 0 {
		if err := json.Unmarshal(raw.Revision, &out.Revision); err != nil {
			t.Fatalf("event %d (%s) revision: %v", rec.Seq, rec.Envelope.Type, err)
		}
	}
	return out
}

// find returns the events of type typ about revision (any revision when 0).
func find(t *testing.T, recs []bus.Record, typ string, revision int) []eventData {
	t.Helper()
	var out []eventData
	for _, r := range recs {
		if r.Envelope.Type != typ {
			continue
		}
		d := decodeData(t, r)
		if revision == 0 || d.Revision == revision {
			out = append(out, d)
		}
	}
	return out
}

func typesOf(recs []bus.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Envelope.Type
	}
	return out
}

// watchReady starts an EndpointSlice watcher on the deployment's Service
// and stops it when t ends.
func watchReady(t *testing.T, s *e2e.Stack, name string) *kubeplane.ReadyWatcher {
	t.Helper()
	w, err := kubeplane.WatchReadyEndpoints(context.WithoutCancel(t.Context()), s.Plane.Client(), s.Namespace, s.ObjectName(ref(name)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return w
}

// waitReadyCount waits until exactly n endpoints are ready and returns them.
func waitReadyCount(t *testing.T, w *kubeplane.ReadyWatcher, n int, timeout time.Duration) []string {
	t.Helper()
	if err := w.WaitFor(t.Context(), timeout, func(ready []string) bool { return len(ready) == n }); err != nil {
		t.Fatal(err)
	}
	return w.Ready()
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }
