package api_test

import (
	"net/http"
	"testing"

	"slipway.dev/pkg/embedded"
	"slipway.dev/pkg/embedded/embeddedtest"
)

// TestARetriedPromotionWhileTheStoreIsDown: a promotion stored while the
// store answered, retried with its Idempotency-Key once FerretDB is stopped
// (its source revision is read from the store, which no longer answers),
// is answered 202 with the first answer's Location, from the intake's
// record in NATS; the same body under a new key gets the outage's 503.
func TestARetriedPromotionWhileTheStoreIsDown(t *testing.T) {
	b, natsURL := embeddedtest.NATS(t)
	f, err := embedded.StartFerretDB(t.TempDir(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := startReplica(t, natsURL, f.URI(), "replica-a")
	created(t, b, "scorer")
	created(t, b, "prod")
	for _, name := range []string{"scorer", "prod"} {
		waitFor(t, "deployment "+name+" served", func() bool { return status(t, r.url, name) == http.StatusOK })
	}
	const body = `{"source":"acme/fraud/scorer","sourceRevision":1,"target":"acme/fraud/prod"}`
	first := command(t, "POST", r.url+"/v1/promotions", "promote-once", body)
	if first.status != http.StatusAccepted || first.location == "" {
		t.Fatalf("while the store answers: %d, Location %q, %s", first.status, first.location, first.body)
	}
	f.Close()
	if again := command(t, "POST", r.url+"/v1/promotions", "promote-once", body); again.status != http.StatusAccepted || again.location != first.location {
		t.Errorf("the retry while the store is down: %d, Location %q, %s; want 202 and Location %q", again.status, again.location, again.body, first.location)
	}
	if other := command(t, "POST", r.url+"/v1/promotions", "promote-twice", body); other.status != http.StatusServiceUnavailable {
		t.Errorf("a promotion never stored, while the store is down: %d %s; want 503", other.status, other.body)
	}
}
