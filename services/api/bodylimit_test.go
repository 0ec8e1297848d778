package api_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"slipway.dev/pkg/embedded"
	"slipway.dev/pkg/embedded/embeddedtest"
	"slipway.dev/pkg/events"
)

// TestBodiesUpToTheBusLimit: with a real NATS (max_payload 1 MiB), a body
// just under the API's limit is accepted, one byte over is 413, and so is a
// body under the limit whose command grows past the bus's maximum when
// encoded; never 503.
func TestBodiesUpToTheBusLimit(t *testing.T) {
	_, natsURL := embeddedtest.NATS(t)
	f, err := embedded.StartFerretDB(t.TempDir(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	r := startReplica(t, natsURL, f.URI(), "replica-a")
	waitFor(t, "the api to be ready", func() bool {
		resp, err := http.Get(r.url + "/readyz")
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	const dep = "/v1/projects/acme/fraud/deployments"
	// A create of exactly n bytes, its size made by an env value.
	body := func(name string, n int, fill string) string {
		head, tail := `{"name":"`+name+`","spec":{"image":"ghcr.io/acme/scorer:1","env":{"FILLER":"`, `"}}}`
		pad := n - len(head) - len(tail)
		return head + strings.Repeat(fill, pad/len(fill)) + strings.Repeat("a", pad%len(fill)) + tail
	}

	// The old 1 MiB limit let this through to a 503 from the bus.
	over := command(t, "POST", r.url+dep, "", body("whole-mib", 1<<20, "a"))
	limit := tooLarge(t, "1 MiB body", over)
	if limit >= 1<<20-1000 || limit < 1<<19 {
		t.Fatalf("limit %d bytes: not sized from the bus's 1 MiB maximum", limit)
	}
	if a := command(t, "POST", r.url+dep, "", body("at-limit", limit, "a")); a.status != http.StatusAccepted {
		t.Fatalf("a body of exactly %d bytes: %d %s", limit, a.status, a.body)
	}
	tooLarge(t, "one byte over", command(t, "POST", r.url+dep, "", body("one-over", limit+1, "a")))
	// Each "<" is encoded as \u003c in the command: 6 bytes for 1.
	tooLarge(t, "a body that grows when encoded", command(t, "POST", r.url+dep, "", body("escaped", limit, "<")))
}

var atMost = regexp.MustCompile(`at most (\d+) bytes`)

// tooLarge checks a 413 problem and returns the limit it names, if any.
func tooLarge(t *testing.T, what string, a answer) int {
	t.Helper()
	var p struct {
		Type   string `json:"type"`
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}
	if a.status != http.StatusRequestEntityTooLarge || json.Unmarshal([]byte(a.body), &p) != nil || p.Status != 413 ||
		!strings.HasSuffix(p.Type, "/too-large") {
		t.Fatalf("%s: %d %s, want a 413 problem", what, a.status, a.body)
	}
	m := atMost.FindStringSubmatch(p.Detail)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestAPatchCannotGrowASpecPastTheBusLimit: an update whose body fits but
// whose patched spec would not fit in the revision event is 413 at once,
// not accepted for the worker to fail on.
func TestAPatchCannotGrowASpecPastTheBusLimit(t *testing.T) {
	b, natsURL := embeddedtest.NATS(t)
	r := startReplica(t, natsURL, embeddedtest.FerretDB(t), "replica-a")
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "big"}
	one := int32(1)
	spec := events.Spec{Image: "img", Replicas: &one, Env: map[string]string{"FIRST": strings.Repeat("a", 600_000)}}.WithDefaults()
	env, err := events.Wrap(events.DeploymentCreated{Deployment: ref, Environment: "dev",
		Target:   events.TargetInfo{Name: "sim", Namespace: "default", BaseURL: "http://sim", ObjectName: "big-x"},
		Revision: events.Revision{Number: 1, Cause: events.CauseCreated, Spec: spec}},
		events.Meta{ID: "created-big", Source: "/test", Subject: ref.String(), Time: time.Now().UTC(), Actor: "user:test", CorrelationID: "op-big"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Append(t.Context(), events.DeploymentSubject(ref), env, 0); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the deployment to be readable", func() bool { return status(t, r.url, "big") == http.StatusOK })
	url := r.url + "/v1/projects/acme/fraud/deployments/big"
	grow := `{"spec":{"env":{"SECOND":"` + strings.Repeat("b", 600_000) + `"}}}`
	tooLarge(t, "a patch that doubles the spec", command(t, "PATCH", url, "", grow))
	if a := command(t, "PATCH", url, "", `{"spec":{"env":{"SECOND":"b"}}}`); a.status != http.StatusAccepted {
		t.Fatalf("a small patch: %d %s", a.status, a.body)
	}
}
