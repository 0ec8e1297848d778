package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/embedded/embeddedtest"
	"slipway.dev/pkg/events"
	"slipway.dev/services/api"
)

// testKey seals webhook secrets in these tests; every replica has it.
var testKey = []byte("0123456789abcdef0123456789abcdef")

// replica is one running api process (in this test's process).
type replica struct {
	url  string
	stop func()
}

func startReplica(t *testing.T, natsURL, mongoURI, id string) replica {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- api.Run(ctx, api.Config{Listener: ln, NATSURL: natsURL, MongoURI: mongoURI, MongoDB: "slipway",
			InstanceID: id, ProjectorLeaseTTL: 2 * time.Second, WebhookKeys: [][]byte{testKey}, Auth: api.AuthConfig{InsecureNoAuth: true}, AllowPrivateWebhookTargets: true,
			Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	}()
	var once bool
	stop := func() {
		if once {
			return
		}
		once = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("replica %s stopped with: %v", id, err)
		}
	}
	t.Cleanup(stop)
	return replica{url: "http://" + ln.Addr().String(), stop: stop}
}

// TestReplicasShareOneProjector runs two api replicas on one NATS and one
// database: one holds the projector's lease and writes the read models,
// both serve them; when the holder stops, the other takes the lease and
// projects what comes next, from where the first left off.
func TestReplicasShareOneProjector(t *testing.T) {
	b, natsURL := embeddedtest.NATS(t)
	mongoURI := embeddedtest.FerretDB(t)
	leases, err := b.KeyValue(t.Context(), events.BucketLeases)
	if err != nil {
		t.Fatal(err)
	}

	a := startReplica(t, natsURL, mongoURI, "replica-a")
	waitFor(t, "replica-a to lead", func() bool { return leaseHolder(t, leases, "projector.slipway") == "replica-a" })
	c := startReplica(t, natsURL, mongoURI, "replica-c")

	created(t, b, "one")
	for _, r := range []replica{a, c} {
		waitFor(t, "deployment one served by "+r.url, func() bool { return status(t, r.url, "one") == http.StatusOK })
	}
	if h := leaseHolder(t, leases, "projector.slipway"); h != "replica-a" {
		t.Fatalf("the lease moved to %s while replica-a ran", h)
	}

	a.stop()
	waitFor(t, "replica-c to lead", func() bool { return leaseHolder(t, leases, "projector.slipway") == "replica-c" })
	created(t, b, "two")
	waitFor(t, "deployment two served by replica-c", func() bool { return status(t, c.url, "two") == http.StatusOK })
	if got := status(t, c.url, "one"); got != http.StatusOK {
		t.Fatalf("deployment one after the handover: %d", got)
	}
}

// created appends a deployment's creation to EVENTS, as the worker does.
func created(t *testing.T, b *bus.Conn, name string) {
	t.Helper()
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: name}
	one := int32(1)
	env, err := events.Wrap(events.DeploymentCreated{Deployment: ref, Environment: "dev",
		Target:   events.TargetInfo{Name: "sim", Namespace: "default", BaseURL: "http://sim", ObjectName: name + "-x"},
		Revision: events.Revision{Number: 1, Cause: events.CauseCreated, Spec: events.Spec{Image: "img", Replicas: &one}.WithDefaults()}},
		events.Meta{ID: "created-" + name, Source: "/test", Subject: ref.String(), Time: time.Now().UTC(), Actor: "user:test", CorrelationID: "op-" + name})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Append(t.Context(), events.DeploymentSubject(ref), env, 0); err != nil {
		t.Fatal(err)
	}
}

func status(t *testing.T, base, name string) int {
	t.Helper()
	resp, err := http.Get(base + "/v1/projects/acme/fraud/deployments/" + name)
	if err != nil {
		return 0
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// receiver counts webhook requests by webhook-id.
type receiver struct {
	mu    sync.Mutex
	byID  map[string]int
	total int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.byID[req.Header.Get("webhook-id")]++
	r.total++
	r.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) count() (int, map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total, maps.Clone(r.byID)
}

// TestWebhooksAcrossReplicas: with two api replicas one delivers webhooks
// (it holds their lease); a subscription made through the other is served,
// each event is delivered once, a redelivery asked of the other replica is
// forwarded to the delivering one, and when that one stops the other takes
// over the deliveries.
func TestWebhooksAcrossReplicas(t *testing.T) {
	b, natsURL := embeddedtest.NATS(t)
	mongoURI := embeddedtest.FerretDB(t)
	leases, err := b.KeyValue(t.Context(), events.BucketLeases)
	if err != nil {
		t.Fatal(err)
	}
	hooks := &receiver{byID: map[string]int{}}
	srv := httptest.NewServer(hooks)
	t.Cleanup(srv.Close)

	a := startReplica(t, natsURL, mongoURI, "replica-a")
	waitFor(t, "replica-a to deliver webhooks", func() bool { return leaseHolder(t, leases, "webhooks.slipway") == "replica-a" })
	c := startReplica(t, natsURL, mongoURI, "replica-c")
	var sub struct{ ID string }
	post(t, c.url+"/v1/webhooks", `{"url":"`+srv.URL+`","events":["slipway.deployment.created.v1"]}`, http.StatusCreated, &sub)

	created(t, b, "one")
	waitFor(t, "one delivery", func() bool { n, _ := hooks.count(); return n == 1 })
	var page struct {
		Items []struct {
			ID, State string
			Attempts  int
		}
	}
	waitFor(t, "the delivery log, read through replica-c", func() bool {
		get(t, c.url+"/v1/webhooks/"+sub.ID+"/deliveries", &page)
		return len(page.Items) == 1 && page.Items[0].State == "delivered"
	})
	post(t, c.url+"/v1/webhooks/"+sub.ID+"/deliveries/"+page.Items[0].ID+"/redeliver", "", http.StatusAccepted, nil)
	waitFor(t, "the redelivery", func() bool { n, _ := hooks.count(); return n == 2 })
	// Deliveries are at least once: a dispatcher stopped between an attempt
	// and its record sends it again after the handover (same webhook-id). Let
	// the record land first, so the counts below are exact.
	waitFor(t, "the redelivery recorded", func() bool {
		get(t, c.url+"/v1/webhooks/"+sub.ID+"/deliveries", &page)
		return len(page.Items) == 1 && page.Items[0].State == "delivered" && page.Items[0].Attempts == 2
	})

	a.stop()
	waitFor(t, "replica-c to deliver webhooks", func() bool { return leaseHolder(t, leases, "webhooks.slipway") == "replica-c" })
	created(t, b, "two")
	waitFor(t, "the second event's delivery", func() bool { n, _ := hooks.count(); return n == 3 })
	time.Sleep(500 * time.Millisecond) // a duplicate would arrive by now
	n, byID := hooks.count()
	if n != 3 || len(byID) != 2 || byID[page.Items[0].ID] != 2 {
		t.Fatalf("deliveries: %d in all, by id %v (want the first twice, the second once)", n, byID)
	}
}

func leaseHolder(t *testing.T, kv jetstream.KeyValue, key string) string {
	t.Helper()
	e, err := kv.Get(t.Context(), key)
	if err != nil {
		return ""
	}
	var h struct{ Holder string }
	_ = json.Unmarshal(e.Value(), &h)
	return h.Holder
}

func post(t *testing.T, url, body string, want int, out any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("POST %s: %d %s", url, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatal(err)
		}
	}
}

func get(t *testing.T, url string, out any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}
