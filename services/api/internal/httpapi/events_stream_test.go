package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"slipway.dev/pkg/embedded/embeddedtest"
	"slipway.dev/services/api/internal/eventfeed"
)

type feedSource struct{ *eventfeed.Feed }

func (f feedSource) Events(ctx context.Context, subject string, after uint64) (EventIterator, error) {
	return f.Feed.Events(ctx, subject, after)
}

// openStream starts GET /v1/events and returns the response once the
// stream is open (its first comment line read).
func openStream(t *testing.T, url string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url+"/v1/events?after=0", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode == http.StatusOK {
		if line, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil || !strings.HasPrefix(line, ": slipway events") {
			t.Fatalf("stream opened with %q, %v", line, err)
		}
	}
	return resp
}

// TestEventStreamsOverTheCap: with the replica's event streams all open, one
// more is answered 503 problem+json with Retry-After; once a client leaves,
// its consumer is gone and a new stream opens.
func TestEventStreamsOverTheCap(t *testing.T) {
	b, _ := embeddedtest.NATS(t)
	w := &world{}
	feed := eventfeed.New(b, 1)
	srv := httptest.NewServer(New(Deps{Reads: w, Commands: w, Changes: w, Targets: w, Stream: feedSource{feed}, Webhooks: hooks{},
		Access: w, Logger: slog.New(slog.DiscardHandler), Ready: func() error { return nil }}))
	t.Cleanup(srv.Close)

	first := openStream(t, srv.URL)
	if first.StatusCode != http.StatusOK {
		t.Fatalf("first stream: %d", first.StatusCode)
	}
	over := openStream(t, srv.URL)
	defer over.Body.Close()
	var p Problem
	if err := json.NewDecoder(over.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	if over.StatusCode != http.StatusServiceUnavailable || over.Header.Get("Content-Type") != "application/problem+json" ||
		over.Header.Get("Retry-After") == "" || p.Type != problemBase+"too-many-event-streams" {
		t.Fatalf("over the cap: %d %s Retry-After %q %+v", over.StatusCode, over.Header.Get("Content-Type"), over.Header.Get("Retry-After"), p)
	}

	_ = first.Body.Close()
	deadline := time.Now().Add(10 * time.Second)
	for feed.Open() > 0 || embeddedtest.EventsConsumers(t, b) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after the client left: %d streams open, %d consumers", feed.Open(), embeddedtest.EventsConsumers(t, b))
		}
		time.Sleep(10 * time.Millisecond)
	}
	again := openStream(t, srv.URL)
	defer again.Body.Close()
	if again.StatusCode != http.StatusOK {
		t.Fatalf("stream after one left: %d", again.StatusCode)
	}
}
