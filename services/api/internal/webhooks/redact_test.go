package webhooks_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"slipway.dev/services/api/internal/webhooks"
)

// syncBuffer is a log sink the dispatcher's goroutines may write to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestURLQueryIsShownOnlyToItsCreator: a receiver URL's query string (where
// receivers put their credential) and fragment are in Create's answer only;
// reads, the delivery log's errors and the logs show the URL without them.
func TestURLQueryIsShownOnlyToItsCreator(t *testing.T) {
	f := newFixture(t, webhooks.Retry{Schedule: []time.Duration{10 * time.Millisecond}})
	logs := &syncBuffer{}
	f.cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	d, _ := f.start()
	const full, shown = "http://127.0.0.1:9/hook?token=s3cret#frag", "http://127.0.0.1:9/hook" // port 9: refused
	created := subscribe(t, d, full, "*")
	if created.URL != full {
		t.Fatalf("create answered %q, want the URL as sent", created.URL)
	}
	got, err := d.Get(t.Context(), created.ID)
	if err != nil {
		t.Fatal(err)
	}
	list, err := d.List(t.Context())
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %v %v", list, err)
	}
	if got.URL != shown || list[0].URL != shown {
		t.Errorf("read %q, listed %q; want %q", got.URL, list[0].URL, shown)
	}
	f.publish("evt-1", failed(1))
	eventually(t, "dead", func() bool {
		log := deliveries(t, d, created.ID)
		return len(log) == 1 && log[0].State == webhooks.StateDead
	})
	dl, _ := json.Marshal(deliveries(t, d, created.ID)) // the dead-letter line is logged before it is stored
	for what, text := range map[string]string{"the delivery log": string(dl), "the logs": logs.String()} {
		if strings.Contains(text, "s3cret") || strings.Contains(text, "frag") {
			t.Errorf("%s hold the URL's query: %s", what, text)
		}
	}
	if !strings.Contains(string(dl), shown) {
		t.Errorf("the delivery error does not name the receiver: %s", dl)
	}
}
