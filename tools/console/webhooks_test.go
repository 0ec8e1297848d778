package console

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"slipway.dev/cmd/slipway/devstack"
	"slipway.dev/testsupport/apitest"
	"slipway.dev/testsupport/devstacktest"
)

// TestWebhooksPage: a webhook made from the page, its delivery log, and a
// delivery sent again from it.
func TestWebhooksPage(t *testing.T) {
	b := browser(t)
	var got atomic.Int64
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		got.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(receiver.Close)
	s := devstacktest.Start(t, devstack.Options{ClusterMode: devstack.ClusterSimulated, AllowPrivateWebhookTargets: true})
	page := tab(t, b)
	run(t, page, chromedp.Navigate(s.URL+"/ui/#/webhooks"), fill("#f-url", receiver.URL+"/hook"), fill("#f-events", "slipway.deployment.created.v1"),
		click(`form[aria-label="New webhook"] button[type=submit]`))
	waitText(t, page, ".ok-note", 10*time.Second, "signing secret")
	waitText(t, page, "main table", 10*time.Second, receiver.URL+"/hook", "slipway.deployment.created.v1")
	r := apitest.New(s.URL).Do(t, http.MethodPost, "/v1/projects/acme/fraud/deployments?wait=30s",
		map[string]any{"name": "scorer", "spec": map[string]any{"image": "ghcr.io/acme/scorer:1.0"}})
	if r.Status != http.StatusOK && r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	apitest.Eventually(t, 20*time.Second, "the delivery", func() bool { return got.Load() == 1 })
	run(t, page, click(`main table tbody button.small:not(.danger)`)) // Deliveries
	waitText(t, page, "main", 10*time.Second, "Deliveries to", "slipway.deployment.created.v1", "delivered")
	run(t, page, script(`[...document.querySelectorAll("main button")].find((b) => b.textContent === "Redeliver").click()`))
	waitText(t, page, ".ok-note", 10*time.Second, "being delivered again")
	apitest.Eventually(t, 20*time.Second, "the delivery sent again", func() bool { return got.Load() == 2 })
}
