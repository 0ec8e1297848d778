package webhooks_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/fault"
	"slipway.dev/services/api/internal/webhooks"
)

// TestDeliveriesAreSignedAndFiltered: a matching event arrives as its stored
// envelope, signed so that an independent verifier accepts it, with the
// delivery's id as webhook-id; other types and other projects get nothing.
func TestDeliveriesAreSignedAndFiltered(t *testing.T) {
	f := newFixture(t, webhooks.Retry{})
	d, _ := f.start()
	rcv := newReceiver(t, always(http.StatusNoContent))
	other := newReceiver(t, always(http.StatusNoContent))
	sub := subscribe(t, d, rcv.URL+"/hook", "slipway.deployment.rollout_failed.v1")
	otherSub, err := d.Create(t.Context(), webhooks.CreateRequest{URL: other.URL, Events: []string{"*"}, Project: "acme/other"})
	if err != nil {
		t.Fatal(err)
	}
	f.publish("evt-health", events.HealthChanged{From: "Unknown", To: "Healthy", Reason: events.ReasonAllReplicasReady})
	body := f.publish("evt-failed", failed(1))
	f.publish("evt-last", failed(2))
	eventually(t, "two deliveries", func() bool { return len(rcv.requests()) == 2 })

	// Deliveries are not ordered (attempts run concurrently): find evt-failed's.
	reqs := rcv.requests()
	req := reqs[0]
	if !bytes.Equal(req.body, body) {
		req = reqs[1]
	}
	if err := verify(sub.Secret, req.header, req.body, time.Now()); err != nil {
		t.Fatalf("the delivery does not verify: %v", err)
	}
	if !bytes.Equal(req.body, body) {
		t.Fatalf("bodies %s and %s, want one the stored envelope %s", reqs[0].body, reqs[1].body, body)
	}
	if ct := req.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/cloudevents+json") {
		t.Errorf("content type %q", ct)
	}
	eventually(t, "both delivered", func() bool {
		log := deliveries(t, d, sub.ID)
		return len(log) == 2 && log[0].State == webhooks.StateDelivered && log[1].State == webhooks.StateDelivered
	})
	log := deliveries(t, d, sub.ID)
	if log[1].ID != req.header.Get("webhook-id") || log[1].EventID != "evt-failed" || log[0].EventID != "evt-last" {
		t.Fatalf("log (newest first) %+v; webhook-id %s", log, req.header.Get("webhook-id"))
	}
	if log[1].Attempts != 1 || log[1].LastStatus != http.StatusNoContent || log[1].NextAttemptAt != nil {
		t.Fatalf("delivered: %+v", log[1])
	}
	page, err := d.Deliveries(t.Context(), sub.ID, webhooks.DeliveryQuery{BeforeSeq: log[0].EventSeq, Limit: 5})
	if err != nil || len(page) != 1 || page[0].ID != log[1].ID {
		t.Fatalf("the page before %d: %+v, %v", log[0].EventSeq, page, err)
	}
	if got := deliveries(t, d, otherSub.ID); len(got) != 0 || len(other.requests()) != 0 {
		t.Fatalf("another project's subscription got %d deliveries", len(got))
	}
}

// TestFlakyReceiverIsRetriedWithTheSameID: 500, 500, then 200: delivered on
// the third attempt, after the schedule's waits, with one webhook-id throughout.
func TestFlakyReceiverIsRetriedWithTheSameID(t *testing.T) {
	retry := webhooks.Retry{Schedule: []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, time.Second}}
	f := newFixture(t, retry)
	d, _ := f.start()
	rcv := newReceiver(t, func(n int) int {
		if n <= 2 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	sub := subscribe(t, d, rcv.URL, "*")
	f.publish("evt-1", failed(1))
	eventually(t, "delivered", func() bool {
		log := deliveries(t, d, sub.ID)
		return len(log) == 1 && log[0].State == webhooks.StateDelivered
	})
	reqs := rcv.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d attempts, want 3", len(reqs))
	}
	for i, r := range reqs {
		if r.header.Get("webhook-id") != reqs[0].header.Get("webhook-id") {
			t.Fatalf("attempt %d has webhook-id %s, want %s", i+1, r.header.Get("webhook-id"), reqs[0].header.Get("webhook-id"))
		}
		if err := verify(sub.Secret, r.header, r.body, time.Now()); err != nil {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	t.Logf("attempt gaps with delays of 100ms then 200ms:%s", fmtGaps(reqs))
	for i, min := range []time.Duration{100 * time.Millisecond, 200 * time.Millisecond} {
		if gap := reqs[i+1].at.Sub(reqs[i].at); gap < min-2*time.Millisecond {
			t.Errorf("attempt %d came %s after the previous, before its backoff of %s", i+2, gap, min)
		}
	}
	log := deliveries(t, d, sub.ID)
	if log[0].Attempts != 3 || log[0].LastStatus != http.StatusOK || log[0].ID != reqs[0].header.Get("webhook-id") {
		t.Fatalf("log: %+v", log[0])
	}
}

// TestFailingReceiverIsDeadLetteredThenRedelivered: a receiver that keeps
// failing gets 1+len(Schedule) attempts, then the delivery is dead; a manual
// redelivery sends it again with the same webhook-id.
func TestFailingReceiverIsDeadLetteredThenRedelivered(t *testing.T) {
	retry := webhooks.Retry{Schedule: []time.Duration{20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond}}
	f := newFixture(t, retry)
	d, _ := f.start()
	rcv := newReceiver(t, func(n int) int {
		if n <= 4 {
			return http.StatusBadGateway
		}
		return http.StatusAccepted
	})
	sub := subscribe(t, d, rcv.URL, "slipway.deployment.*")
	f.publish("evt-1", failed(1))
	eventually(t, "dead", func() bool {
		log := deliveries(t, d, sub.ID)
		return len(log) == 1 && log[0].State == webhooks.StateDead
	})
	dead := deliveries(t, d, sub.ID)[0]
	if dead.Attempts != 4 || dead.LastStatus != http.StatusBadGateway || dead.NextAttemptAt != nil || len(rcv.requests()) != 4 {
		t.Fatalf("dead: %+v after %d requests", dead, len(rcv.requests()))
	}
	t.Logf("attempt gaps (waits of 20ms, 40ms, 80ms):%s", fmtGaps(rcv.requests()))
	got, err := d.Redeliver(t.Context(), sub.ID, dead.ID)
	if err != nil || got.State != webhooks.StatePending {
		t.Fatalf("redeliver: %+v, %v", got, err)
	}
	eventually(t, "delivered after redelivery", func() bool {
		log := deliveries(t, d, sub.ID)
		return log[0].State == webhooks.StateDelivered
	})
	reqs := rcv.requests()
	if len(reqs) != 5 || reqs[4].header.Get("webhook-id") != dead.ID {
		t.Fatalf("%d requests; last webhook-id %s, want %s", len(reqs), reqs[len(reqs)-1].header.Get("webhook-id"), dead.ID)
	}
	if _, err := d.Redeliver(t.Context(), sub.ID, "msg_nope"); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("redeliver of an unknown delivery: %v", err)
	}
}

// TestHangingReceiverDoesNotDelayOtherSubscriptions: while one receiver
// holds every request open, another subscription gets all its deliveries.
func TestHangingReceiverDoesNotDelayOtherSubscriptions(t *testing.T) {
	f := newFixture(t, webhooks.Retry{})
	d, _ := f.start()
	release := make(chan struct{})
	hung := make(chan struct{}, 100)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		hung <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) }) // runs before slow.Close
	fast := newReceiver(t, always(http.StatusOK))
	slowSub := subscribe(t, d, slow.URL, "*")
	fastSub := subscribe(t, d, fast.URL, "*")
	began := time.Now()
	const n = 6 // more than a subscription's attempts in flight
	for i := range n {
		f.publish("evt-"+string(rune('a'+i)), failed(i+1))
	}
	eventually(t, "the fast receiver's deliveries", func() bool {
		log := deliveries(t, d, fastSub.ID)
		if len(log) != n {
			return false
		}
		for _, dl := range log {
			if dl.State != webhooks.StateDelivered {
				return false
			}
		}
		return true
	})
	t.Logf("the fast receiver had all %d deliveries %s after the first event, while the other hung", n, time.Since(began).Round(time.Millisecond))
	select {
	case <-hung:
	default:
		t.Fatal("the hanging receiver was never called")
	}
	for _, dl := range deliveries(t, d, slowSub.ID) {
		if dl.State != webhooks.StatePending || dl.Attempts != 0 {
			t.Fatalf("the hanging receiver's delivery finished: %+v", dl)
		}
	}
}

// TestPendingDeliveriesResumeAfterRestart: a delivery whose attempt was cut
// short by a stop is sent after the restart, with the same webhook-id, and
// the event (acked once recorded) is not recorded twice.
func TestPendingDeliveriesResumeAfterRestart(t *testing.T) {
	f := newFixture(t, webhooks.Retry{})
	started := make(chan struct{}, 10)
	rcv := newReceiver(t, always(http.StatusOK))
	var attempted atomic.Bool
	hold := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !attempted.Swap(true) {
			_, _ = io.ReadAll(r.Body) // so the server notices the client going away
			started <- struct{}{}
			<-r.Context().Done() // until the dispatcher stops
			return
		}
		rcv.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(hold.Close)
	d1, stop1 := f.start()
	sub := subscribe(t, d1, hold.URL, "*")
	f.publish("evt-1", failed(1))
	select {
	case <-started:
	case <-time.After(60 * time.Second):
		t.Fatal("no attempt")
	}
	stop1()
	d2, _ := f.start()
	eventually(t, "delivered after the restart", func() bool {
		log := deliveries(t, d2, sub.ID)
		return len(log) == 1 && log[0].State == webhooks.StateDelivered
	})
	log := deliveries(t, d2, sub.ID)
	reqs := rcv.requests()
	if len(reqs) != 1 || reqs[0].header.Get("webhook-id") != log[0].ID {
		t.Fatalf("%d requests after the restart; log %+v", len(reqs), log)
	}
	if err := verify(sub.Secret, reqs[0].header, reqs[0].body, time.Now()); err != nil {
		t.Fatal(err)
	}
}

// TestSecretIsReturnedOnlyOnCreate: the secret is whsec_ + base64 of 32
// bytes, in Create's answer and nowhere after.
func TestSecretIsReturnedOnlyOnCreate(t *testing.T) {
	f := newFixture(t, webhooks.Retry{})
	d, _ := f.start()
	created := subscribe(t, d, "http://127.0.0.1:9/hook", "*")
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(created.Secret, "whsec_"))
	if !strings.HasPrefix(created.Secret, "whsec_") || err != nil || len(key) < 24 {
		t.Fatalf("secret %q: %v", created.Secret, err)
	}
	got, err := d.Get(t.Context(), created.ID)
	if err != nil {
		t.Fatal(err)
	}
	list, err := d.List(t.Context())
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %v %v", list, err)
	}
	for _, v := range []any{got, list} {
		b, _ := json.Marshal(v)
		if bytes.Contains(b, []byte(created.Secret)) || bytes.Contains(b, []byte(`"secret"`)) {
			t.Fatalf("a read returned the secret: %s", b)
		}
	}
	if err := d.Delete(t.Context(), created.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Get(t.Context(), created.ID); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("get after delete: %v", err)
	}
}

// TestCreateRefusesUnsafeTargets: field errors name url; loopback needs the flag.
func TestCreateRefusesUnsafeTargets(t *testing.T) {
	f := newFixture(t, webhooks.Retry{})
	f.cfg.AllowPrivateTargets = false
	d, _ := f.start()
	for _, u := range []string{"http://169.254.169.254/latest/meta-data", "http://[fe80::1]/", "file:///etc/passwd", "ftp://example.com/x", "http://127.0.0.1:8080/hook"} {
		_, err := d.Create(t.Context(), webhooks.CreateRequest{URL: u, Events: []string{"*"}})
		var fe events.FieldErrors
		if !errors.As(err, &fe) || len(fe) != 1 || fe[0].Field != "url" {
			t.Errorf("%s: %v, want a field error on url", u, err)
		}
	}
	if list, _ := d.List(t.Context()); len(list) != 0 {
		t.Fatalf("refused subscriptions were stored: %v", list)
	}
}
