package systemtest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/events"
	"slipway.dev/testsupport/apitest"
)

// appendEvent appends an event to a deployment's history, as the worker or
// the health monitor would.
func appendEvent(t *testing.T, natsURL string, ref events.DeploymentRef, id string, m events.Message) {
	t.Helper()
	env, err := events.Wrap(m, events.Meta{ID: id, Source: "/test", Subject: ref.String(), Time: time.Now(), Actor: "system:test"})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := env.Marshal()
	if _, err := jetStream(t, natsURL).Publish(t.Context(), events.DeploymentSubject(ref), data, jetstream.WithMsgID(id)); err != nil {
		t.Fatal(err)
	}
}

// TestProgressAndHealthDoNotMakeVersionsStale: a promotion's plan and an
// ETag condition on what clients control. Rollout progress and health
// changes between the read and the write leave both good; a spec change
// makes both stale.
func TestProgressAndHealthDoNotMakeVersionsStale(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstackOptions())
	waitForTargets(t, api)
	for _, name := range []string{"ver", "ver-src"} {
		if r := api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody(name, 1)); r.Status != http.StatusOK {
			t.Fatalf("create %s: %d %s", name, r.Status, r.Body)
		}
	}
	patch(t, api, "ver-src", map[string]any{"spec": map[string]any{"image": "ghcr.io/acme/scorer:2.0"}})
	var plan promotionView
	api.Do(t, http.MethodPost, "/v1/promotions?wait=30s",
		map[string]any{"source": "acme/fraud/ver-src", "target": "acme/fraud/ver", "dryRun": true}).Decode(t, &plan)
	if plan.Status != "planned" {
		t.Fatalf("plan: %+v", plan)
	}
	_, before := getDeployment(t, api, "ver")

	// The deployment progresses and changes health: its document changes
	// (GET answers a new ETag), its version does not.
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "ver"}
	d, _ := getDeployment(t, api, "ver")
	appendEvent(t, s.NATSURL, ref, "test-progress", events.RolloutProgressed{Revision: d.Revision, Replicas: d.Replicas})
	appendEvent(t, s.NATSURL, ref, "test-health", events.HealthChanged{From: events.HealthHealthy, To: events.HealthDegraded,
		Reason: events.ReasonCrashLoopBackOff, Revision: d.Revision, Replicas: d.Replicas})
	var after string
	apitest.Eventually(t, 30*time.Second, "the health change projected", func() bool {
		var h struct{ Health string }
		r := api.Do(t, http.MethodGet, deploymentsPath+"/ver", nil)
		r.Decode(t, &h)
		after = r.Header.Get("ETag")
		return h.Health == events.HealthDegraded
	})
	if after == before || version(after) != version(before) {
		t.Fatalf("ETag %s before, %s after: the document changed, the version must not", before, after)
	}
	if r := api.Do(t, http.MethodGet, deploymentsPath+"/ver", nil, "If-None-Match", before); r.Status != http.StatusOK {
		t.Fatalf("If-None-Match with the ETag before the health change: %d, want 200", r.Status)
	}

	// The ETag read before still matches: a conditional no-op update passes
	// both the api's check and the worker's.
	r := patch(t, api, "ver", map[string]any{"spec": map[string]any{"replicas": 1}}, "If-Match", before)
	if r.Status != http.StatusOK || r.JSON(t)["status"] != "succeeded" {
		t.Fatalf("update with the ETag read before the health change: %d %s", r.Status, r.Body)
	}
	// The plan made before still applies.
	var applied promotionView
	r = api.Do(t, http.MethodPost, "/v1/promotions/"+plan.ID+"/apply?wait=60s", nil)
	r.Decode(t, &applied)
	if r.Status != http.StatusOK || applied.Status != "applied" {
		t.Fatalf("apply of the plan made before the health change: %d %s", r.Status, r.Body)
	}

	// A spec change makes an ETag read before it stale.
	_, read := getDeployment(t, api, "ver")
	if r := patch(t, api, "ver", map[string]any{"spec": map[string]any{"replicas": 2}}); r.Status != http.StatusOK {
		t.Fatalf("update: %d %s", r.Status, r.Body)
	}
	p := patch(t, api, "ver", map[string]any{"spec": map[string]any{"replicas": 3}}, "If-Match", read).ExpectProblem(t, http.StatusPreconditionFailed)
	if !strings.Contains(p.Detail, fmt.Sprintf("not %s", version(read))) {
		t.Fatalf("problem: %+v", p)
	}
}

// version is the version part of an ETag, "<version>.<sequence>".
func version(etag string) string {
	v, _, _ := strings.Cut(strings.Trim(etag, `"`), ".")
	return v
}
