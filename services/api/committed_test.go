package api_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"slipway.dev/pkg/embedded"
	"slipway.dev/pkg/embedded/embeddedtest"
	"slipway.dev/pkg/events"
)

// answer is what one command request got.
type answer struct {
	status   int
	location string
	body     string
}

func command(t *testing.T, method, url, key, body string) answer {
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return answer{}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(b)}
}

// TestCommandsWhileTheStoreIsDown: with the read models' FerretDB stopped,
// creates with ?wait and with a repeated Idempotency-Key are answered 202 +
// Location from the intake's record, never 5xx, and the repeated one is
// stored once.
func TestCommandsWhileTheStoreIsDown(t *testing.T) {
	b, natsURL := embeddedtest.NATS(t)
	f, err := embedded.StartFerretDB(t.TempDir(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := startReplica(t, natsURL, f.URI(), "replica-a")
	waitFor(t, "the api to be ready", func() bool {
		resp, err := http.Get(r.url + "/readyz")
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	f.Close()

	const dep = "/v1/projects/acme/fraud/deployments"
	body := func(name string) string { return `{"name":"` + name + `","spec":{"image":"ghcr.io/acme/scorer:1"}}` }
	var wg sync.WaitGroup
	answers := make([]answer, 12)
	for i := range answers {
		wg.Go(func() {
			switch i % 3 {
			case 0:
				answers[i] = command(t, "POST", r.url+dep+"?wait=1s", "", body(fmt.Sprintf("own-%d", i)))
			case 1:
				answers[i] = command(t, "POST", r.url+dep+"?wait=1s", "same", body("shared"))
			default:
				answers[i] = command(t, "POST", r.url+dep, "same", body("shared"))
			}
		})
	}
	wg.Wait()
	shared := map[string]bool{}
	for i, a := range answers {
		if a.status != http.StatusAccepted || !strings.HasPrefix(a.location, "/v1/operations/op-") {
			t.Errorf("request %d: %d, Location %q, %s", i, a.status, a.location, a.body)
		}
		if i%3 != 0 {
			shared[a.location] = true
		}
	}
	if len(shared) != 1 {
		t.Errorf("one Idempotency-Key, %d operations: %v", len(shared), shared)
	}
	stream, err := b.Stream(t.Context(), events.StreamCommands)
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 5 { // four own creates, the shared one once
		t.Errorf("COMMANDS holds %d commands, want 5", info.State.Msgs)
	}
}

// TestFiftyConcurrentClients: 50 clients at once against the api on the
// embedded FerretDB each create a deployment with ?wait and a key, retry it
// with the same key, list the fleet and read their operation: no answer is
// a 5xx, and each create is stored once.
func TestFiftyConcurrentClients(t *testing.T) {
	b, natsURL := embeddedtest.NATS(t)
	r := startReplica(t, natsURL, embeddedtest.FerretDB(t), "replica-a")
	waitFor(t, "the api to be ready", func() bool {
		resp, err := http.Get(r.url + "/readyz")
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	const clients = 50
	const dep = "/v1/projects/acme/fleet/deployments"
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		bad  []string
		seen = map[string]int{}
	)
	check := func(what string, a answer) {
		mu.Lock()
		defer mu.Unlock()
		if a.status == 0 || a.status >= 500 {
			bad = append(bad, fmt.Sprintf("%s: %d %s", what, a.status, a.body))
		}
	}
	for i := range clients {
		wg.Go(func() {
			key := fmt.Sprintf("client-%d", i)
			body := fmt.Sprintf(`{"name":"model-%02d","spec":{"image":"ghcr.io/acme/m:1"}}`, i)
			first := command(t, "POST", r.url+dep+"?wait=2s", key, body)
			check("create", first)
			again := command(t, "POST", r.url+dep+"?wait=1s", key, body)
			check("retry", again)
			check("list", command(t, "GET", r.url+"/v1/deployments?limit=500", "", ""))
			check("operation", command(t, "GET", r.url+first.location, "", ""))
			mu.Lock()
			seen[first.location]++
			seen[again.location]++
			mu.Unlock()
		})
	}
	wg.Wait()
	for _, s := range bad {
		t.Error(s)
	}
	if len(seen) != clients {
		t.Errorf("%d operations for %d keys", len(seen), clients)
	}
	stream, err := b.Stream(t.Context(), events.StreamCommands)
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != clients {
		t.Errorf("COMMANDS holds %d commands, want %d", info.State.Msgs, clients)
	}
}
