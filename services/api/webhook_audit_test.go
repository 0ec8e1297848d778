package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"slipway.dev/pkg/embedded/embeddedtest"
	"slipway.dev/pkg/events"
	api "slipway.dev/services/api"
)

// TestWebhookChangesAreAudited: creating a subscription, redelivering one
// of its deliveries and deleting it are each an entry of the audit log with
// the caller as actor, and an event in EVENTS; none carries the signing
// secret or the URL's query string.
func TestWebhookChangesAreAudited(t *testing.T) {
	b, natsURL := embeddedtest.NATS(t)
	mongoURI := embeddedtest.FerretDB(t)
	admin := api.GenerateToken()
	base := startAuthReplica(t, natsURL, mongoURI, admin)
	call := func(method, path, body string, want int, out any) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
		}
		if out != nil {
			if err := json.Unmarshal(raw, out); err != nil {
				t.Fatal(err)
			}
		}
	}
	var who struct{ Actor string }
	call("GET", "/v1/whoami", "", http.StatusOK, &who)

	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(hook.Close)
	const query = "receiverQueryToken-5e1d"
	var created struct{ ID, Secret string }
	call("POST", "/v1/webhooks", `{"url":"`+hook.URL+`/in?token=`+query+`","events":["slipway.access.*"]}`, http.StatusCreated, &created)

	// Its own creation is an access event: it is delivered, then redelivered.
	var deliveries struct{ Items []struct{ ID string } }
	waitFor(t, "the creation's delivery", func() bool {
		call("GET", "/v1/webhooks/"+created.ID+"/deliveries", "", http.StatusOK, &deliveries)
		return len(deliveries.Items) > 0
	})
	call("POST", "/v1/webhooks/"+created.ID+"/deliveries/"+deliveries.Items[0].ID+"/redeliver", "", http.StatusAccepted, nil)
	call("DELETE", "/v1/webhooks/"+created.ID, "", http.StatusNoContent, nil)

	type entry struct{ Kind, Actor, Status, Message string }
	kinds := []string{"create_webhook", "redeliver_webhook", "delete_webhook"}
	for _, kind := range kinds {
		waitFor(t, kind+" in the audit log", func() bool {
			var page struct{ Items []entry }
			call("GET", "/v1/audit?kind="+kind, "", http.StatusOK, &page)
			for _, e := range page.Items {
				if e.Actor == who.Actor && e.Status == "succeeded" && strings.Contains(e.Message, created.ID) {
					if strings.Contains(e.Message, query) || !strings.Contains(e.Message, hook.URL+"/in") {
						t.Fatalf("%s: the URL is not redacted: %s", kind, e.Message)
					}
					return true
				}
			}
			return false
		})
	}

	// A project's subscription is filed under the project, where its admins see it.
	var scoped struct{ ID string }
	call("POST", "/v1/webhooks", `{"url":"`+hook.URL+`/p","events":["*"],"project":"acme/fraud"}`, http.StatusCreated, &scoped)
	call("DELETE", "/v1/webhooks/"+scoped.ID, "", http.StatusNoContent, nil)
	for _, kind := range []string{"create_webhook", "delete_webhook"} {
		waitFor(t, kind+" in acme/fraud's audit log", func() bool {
			var page struct{ Items []entry }
			call("GET", "/v1/audit?project=acme/fraud&kind="+kind, "", http.StatusOK, &page)
			return len(page.Items) == 1 && page.Items[0].Actor == who.Actor && strings.Contains(page.Items[0].Message, scoped.ID)
		})
	}

	// The events: one of each type, with the actor, on the access subject of
	// the subscription's project (none: every project).
	s, err := b.Stream(t.Context(), events.StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for seq := uint64(1); ; seq++ {
		m, err := s.GetMsg(t.Context(), seq)
		if err != nil {
			break
		}
		if strings.Contains(string(m.Data), created.Secret) || strings.Contains(string(m.Data), query) {
			t.Fatalf("event %d carries the secret or the URL's query: %s", seq, m.Data)
		}
		env, err := events.Unmarshal(m.Data)
		if err == nil && strings.Contains(env.Type, ".webhook_") {
			want := events.AccessSubject("")
			if strings.Contains(string(env.Data), scoped.ID) {
				want = events.AccessSubject("acme/fraud")
			}
			if env.Actor != who.Actor || m.Subject != want {
				t.Fatalf("%s: actor %q on %s", env.Type, env.Actor, m.Subject)
			}
			seen[env.Type] = true
		}
	}
	for _, typ := range []string{events.WebhookCreated{}.Type(), events.WebhookRedelivered{}.Type(), events.WebhookDeleted{}.Type()} {
		if !seen[typ] {
			t.Errorf("no %s event in EVENTS", typ)
		}
	}
}

// startAuthReplica runs one api with a bootstrap admin token.
func startAuthReplica(t *testing.T, natsURL, mongoURI, adminToken string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- api.Run(ctx, api.Config{Listener: ln, NATSURL: natsURL, MongoURI: mongoURI, MongoDB: "slipway",
			InstanceID: "audited", ProjectorLeaseTTL: 2 * time.Second, WebhookKeys: [][]byte{testKey},
			Auth: api.AuthConfig{AdminToken: adminToken}, AllowPrivateWebhookTargets: true,
			Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("api stopped with: %v", err)
		}
	})
	url := "http://" + ln.Addr().String()
	waitFor(t, "the api to be ready", func() bool {
		resp, err := http.Get(url + "/readyz")
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return url
}
