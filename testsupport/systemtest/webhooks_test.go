package systemtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"slipway.dev/pkg/events"
	"slipway.dev/testsupport/webhookcheck"
)

// TestWebhookDeliveriesEndToEnd: a subscription made through the API gets
// the deployment's events signed per Standard Webhooks; a receiver failing
// twice gets the delivery on the third attempt with the same webhook-id; a
// hanging receiver delays nobody else; the delivery log and a redelivery
// work through the API; the secret is shown once.
func TestWebhookDeliveriesEndToEnd(t *testing.T) {
	t.Parallel()
	o := devstackOptions()
	o.AllowPrivateWebhookTargets = true
	o.WebhookRetrySchedule = []time.Duration{time.Second, 2 * time.Second, time.Minute}
	_, api := start(t, o)

	flaky := newWebhookReceiver(t, func(n int) int {
		if n <= 2 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	release := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hanging.Close)
	t.Cleanup(func() { close(release) }) // before hanging.Close

	resp := api.Do(t, http.MethodPost, "/v1/webhooks", map[string]any{"url": hanging.URL, "events": []string{"*"}})
	if resp.Status != http.StatusCreated {
		t.Fatalf("create the hanging subscription: %d %s", resp.Status, resp.Body)
	}
	resp = api.Do(t, http.MethodPost, "/v1/webhooks", map[string]any{"url": flaky.URL + "/hooks/slipway",
		"events": []string{"slipway.deployment.rollout_succeeded.v1"}, "project": "acme/fraud", "description": "flaky receiver"})
	if resp.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.Status, resp.Body)
	}
	var created struct{ ID, Secret string }
	resp.Decode(t, &created)
	if !strings.HasPrefix(created.Secret, "whsec_") || resp.Header.Get("Location") != "/v1/webhooks/"+created.ID {
		t.Fatalf("created: %s, Location %q", resp.Body, resp.Header.Get("Location"))
	}
	for _, path := range []string{"/v1/webhooks/" + created.ID, "/v1/webhooks"} {
		r := api.Do(t, http.MethodGet, path, nil)
		if r.Status != http.StatusOK || bytes.Contains(r.Body, []byte(created.Secret)) || bytes.Contains(r.Body, []byte("secret")) {
			t.Fatalf("GET %s: %d, must not show the secret: %s", path, r.Status, r.Body)
		}
	}

	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("hooked", 1))
	eventually(t, 60*time.Second, "the third attempt", func() bool { return len(flaky.requests()) >= 3 })
	reqs := flaky.requests()
	t.Logf("attempt gaps with waits of 1s then 2s:%s", webhookGaps(reqs))
	id := reqs[0].header.Get("webhook-id")
	for i, r := range reqs {
		if r.header.Get("webhook-id") != id {
			t.Fatalf("attempt %d has webhook-id %q, want %q", i+1, r.header.Get("webhook-id"), id)
		}
		if err := webhookcheck.Verify(created.Secret, r.header, r.body, time.Now()); err != nil {
			t.Fatalf("attempt %d does not verify: %v", i+1, err)
		}
	}
	var env events.Envelope
	if err := json.Unmarshal(reqs[2].body, &env); err != nil || env.Type != "slipway.deployment.rollout_succeeded.v1" || env.Subject != "acme/fraud/hooked" {
		t.Fatalf("body: %s (%v)", reqs[2].body, err)
	}

	var log struct {
		Items []struct {
			ID, State, EventType string
			Attempts, LastStatus int
		}
	}
	eventually(t, 30*time.Second, "the delivery log says delivered", func() bool {
		api.Do(t, http.MethodGet, "/v1/webhooks/"+created.ID+"/deliveries", nil).Decode(t, &log)
		return len(log.Items) == 1 && log.Items[0].State == "delivered"
	})
	if dl := log.Items[0]; dl.ID != id || dl.Attempts != 3 || dl.LastStatus != http.StatusOK || dl.EventType != env.Type {
		t.Fatalf("delivery: %+v", dl)
	}

	r := api.Do(t, http.MethodPost, "/v1/webhooks/"+created.ID+"/deliveries/"+id+"/redeliver", nil)
	if r.Status != http.StatusAccepted || r.JSON(t)["state"] != "pending" {
		t.Fatalf("redeliver: %d %s", r.Status, r.Body)
	}
	eventually(t, 30*time.Second, "the redelivery", func() bool { return len(flaky.requests()) == 4 })
	again := flaky.requests()[3]
	if again.header.Get("webhook-id") != id || webhookcheck.Verify(created.Secret, again.header, again.body, time.Now()) != nil {
		t.Fatalf("redelivery: webhook-id %q", again.header.Get("webhook-id"))
	}

	// The hanging receiver holds its own deliveries only.
	var hung struct{ Items []struct{ State string } }
	hangingID := firstWebhookOtherThan(t, api.Do(t, http.MethodGet, "/v1/webhooks", nil).Body, created.ID)
	api.Do(t, http.MethodGet, "/v1/webhooks/"+hangingID+"/deliveries?state=delivered", nil).Decode(t, &hung)
	if len(hung.Items) != 0 {
		t.Fatalf("the hanging receiver completed deliveries: %+v", hung.Items)
	}

	api.Do(t, http.MethodPost, "/v1/webhooks/"+created.ID+"/deliveries/msg_nope/redeliver", nil).ExpectProblem(t, http.StatusNotFound)
	api.Do(t, http.MethodGet, "/v1/webhooks/"+created.ID+"/deliveries?state=lost", nil).ExpectProblem(t, http.StatusBadRequest)
	if r := api.Do(t, http.MethodDelete, "/v1/webhooks/"+created.ID, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	api.Do(t, http.MethodGet, "/v1/webhooks/"+created.ID, nil).ExpectProblem(t, http.StatusNotFound)
	api.Do(t, http.MethodGet, "/v1/webhooks/"+created.ID+"/deliveries", nil).ExpectProblem(t, http.StatusNotFound)
}

// TestWebhookTargetsRefused: without AllowPrivateWebhookTargets, link-local,
// metadata, loopback and non-HTTP URLs are refused naming the url field,
// and nothing is stored.
func TestWebhookTargetsRefused(t *testing.T) {
	t.Parallel()
	_, api := start(t, devstackOptions())
	for _, u := range []string{"http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/hook", "file:///etc/passwd",
		"ftp://example.com/hook", "http://127.0.0.1:9/hook", "http://[::1]/hook", "http://0.0.0.0/"} {
		p := api.Do(t, http.MethodPost, "/v1/webhooks", map[string]any{"url": u, "events": []string{"*"}}).ExpectProblem(t, http.StatusBadRequest)
		if !p.HasField("url") {
			t.Errorf("%s: %+v, want a field error on url", u, p)
		}
	}
	p := api.Do(t, http.MethodPost, "/v1/webhooks", map[string]any{"url": "https://93.184.215.14/hook", "events": []string{"slipway.deploymnet.*"}}).
		ExpectProblem(t, http.StatusBadRequest)
	if !p.HasField("events[0]") {
		t.Errorf("a misspelt filter: %+v", p)
	}
	api.Do(t, http.MethodPost, "/v1/webhooks", `{"url":"https://93.184.215.14/hook","events":["*"],"secret":"mine"}`).ExpectProblem(t, http.StatusBadRequest)
	var l struct{ Items []any }
	api.Do(t, http.MethodGet, "/v1/webhooks", nil).Decode(t, &l)
	if len(l.Items) != 0 {
		t.Fatalf("refused subscriptions were stored: %v", l.Items)
	}
}

type webhookRequest struct {
	at     time.Time
	header http.Header
	body   []byte
}

type webhookReceiver struct {
	*httptest.Server
	mu  sync.Mutex
	got []webhookRequest
}

// newWebhookReceiver answers its nth request with status(n).
func newWebhookReceiver(t *testing.T, status func(n int) int) *webhookReceiver {
	r := &webhookReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, webhookRequest{at: time.Now(), header: req.Header.Clone(), body: body})
		n := len(r.got)
		r.mu.Unlock()
		w.WriteHeader(status(n))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *webhookReceiver) requests() []webhookRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]webhookRequest(nil), r.got...)
}

func webhookGaps(reqs []webhookRequest) string {
	s := ""
	for i := 1; i < len(reqs); i++ {
		s += fmt.Sprintf(" %d→%d: %s", i, i+1, reqs[i].at.Sub(reqs[i-1].at).Round(time.Millisecond))
	}
	return s
}

func firstWebhookOtherThan(t *testing.T, list []byte, id string) string {
	t.Helper()
	var l struct{ Items []struct{ ID string } }
	if err := json.Unmarshal(list, &l); err != nil {
		t.Fatal(err)
	}
	for _, it := range l.Items {
		if it.ID != id {
			return it.ID
		}
	}
	t.Fatalf("no other subscription in %s", list)
	return ""
}
