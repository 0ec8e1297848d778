package systemtest

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"slipway.dev/pkg/events"
)

type sseEvent struct {
	id   uint64
	typ  string
	data string
}

// subscribe reads /v1/events until stop returns true, and returns what it read.
func subscribe(t *testing.T, base, query, lastID string, stop func(sseEvent) bool) []sseEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/events?"+query, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var out []sseEvent
	var cur sseEvent
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "id: "):
			cur.id, _ = strconv.ParseUint(strings.TrimPrefix(line, "id: "), 10, 64)
		case strings.HasPrefix(line, "event: "):
			cur.typ = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			cur.data = strings.TrimPrefix(line, "data: ")
		case line == "" && cur.typ != "":
			out = append(out, cur)
			if stop(cur) {
				return out
			}
			cur = sseEvent{}
		}
	}
	t.Fatalf("the stream ended before the expected event (read %d)", len(out))
	return nil
}

func succeeded(name string) func(sseEvent) bool {
	return func(e sseEvent) bool {
		return e.typ == events.RolloutSucceeded{}.Type() && strings.Contains(e.data, `"subject":"acme/fraud/`+name+`"`)
	}
}

// TestEventStreamResumesWithoutLoss: a subscriber that disconnects and
// reconnects with Last-Event-ID gets every event after the last it saw, in
// order, none twice, including those published while it was away.
func TestEventStreamResumesWithoutLoss(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstackOptions())
	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("first", 1))
	seen := subscribe(t, s.URL, "after=0", "", succeeded("first"))
	last := seen[len(seen)-1].id

	// While disconnected, more happens.
	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("second", 2))
	resumed := subscribe(t, s.URL, "", strconv.FormatUint(last, 10), succeeded("second"))
	for i, e := range resumed {
		if e.id != last+uint64(i)+1 {
			t.Fatalf("event %d after resuming has id %d, want %d (a gap or a repeat)", i, e.id, last+uint64(i)+1)
		}
	}
	var created bool
	for _, e := range resumed {
		created = created || (e.typ == events.DeploymentCreated{}.Type() && strings.Contains(e.data, `"name":"second"`))
	}
	if !created {
		t.Fatal("the event published while disconnected was missed")
	}

	// Filters: one deployment, rollout events only.
	filtered := subscribe(t, s.URL, "deployment=acme/fraud/second&type=slipway.deployment.rollout_*&after=0", "", succeeded("second"))
	for _, e := range filtered {
		if !strings.HasPrefix(e.typ, "slipway.deployment.rollout_") || !strings.Contains(e.data, `"subject":"acme/fraud/second"`) {
			t.Fatalf("filtered stream carried %s %s", e.typ, e.data)
		}
	}
	for _, q := range []string{"deployment=nope", "project=acme", "after=minus-one", "type=a*b", "type=slipway.deploymnet.*"} {
		api.Do(t, http.MethodGet, "/v1/events?"+q, nil).ExpectProblem(t, http.StatusBadRequest)
	}
}
