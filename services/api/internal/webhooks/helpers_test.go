package webhooks_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/embedded"
	"slipway.dev/pkg/embedded/embeddedtest"
	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/webhooks"
)

// One FerretDB serves the package's tests, each in its own database; each
// test has its own NATS (the consumer is durable and named).
var (
	ferretOnce sync.Once
	ferret     *embedded.FerretDB
	ferretErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if ferret != nil {
		ferret.Close()
	}
	os.Exit(code)
}

func mongoURI(t *testing.T) string {
	t.Helper()
	ferretOnce.Do(func() {
		dir, err := os.MkdirTemp("", "webhooks-ferretdb-")
		if err != nil {
			ferretErr = err
			return
		}
		ferret, ferretErr = embedded.StartFerretDB(dir, "127.0.0.1:0")
	})
	if ferretErr != nil {
		t.Fatal(ferretErr)
	}
	return ferret.URI()
}

// fixture is NATS, a database and the dispatcher's configuration.
type fixture struct {
	t   *testing.T
	bus *bus.Conn
	cfg webhooks.Config
}

func newFixture(t *testing.T, retry webhooks.Retry) *fixture {
	t.Helper()
	b, _ := embeddedtest.NATS(t)
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	return &fixture{t: t, bus: b, cfg: webhooks.Config{Bus: b, MongoURI: mongoURI(t), MongoDB: "webhooks_" + hex.EncodeToString(suffix),
		AllowPrivateTargets: true, Retry: retry, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Keys: testKeys(t)}}
}

// start opens and runs a dispatcher; stop (also run at cleanup) ends it and
// waits for it.
func (f *fixture) start() (d *webhooks.Dispatcher, stop func()) {
	f.t.Helper()
	d, err := webhooks.Open(f.t.Context(), f.cfg)
	if err != nil {
		f.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				f.t.Errorf("dispatcher stopped with %v", err)
			}
			_ = d.Close()
		})
	}
	f.t.Cleanup(stop)
	return d, stop
}

var ref = events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}

// publish stores an event of the test deployment and returns its envelope as stored.
func (f *fixture) publish(id string, msg events.Message) []byte {
	f.t.Helper()
	env, err := events.Wrap(msg, events.Meta{ID: id, Source: "/test", Subject: ref.String(), Time: time.Now(), Actor: "user:test"})
	if err != nil {
		f.t.Fatal(err)
	}
	data, err := env.Marshal()
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.bus.Publish(f.t.Context(), events.DeploymentSubject(ref), data); err != nil {
		f.t.Fatal(err)
	}
	return data
}

func failed(n int) events.Message {
	return events.RolloutFailed{Revision: n, Reason: events.ReasonProgressDeadlineExceeded, Message: "stuck"}
}

// request is one request a receiver got.
type request struct {
	at     time.Time
	header http.Header
	body   []byte
}

// receiver is an httptest endpoint answering its nth request with status(n).
type receiver struct {
	*httptest.Server
	status func(n int) int
	mu     sync.Mutex
	got    []request
}

func newReceiver(t *testing.T, status func(n int) int) *receiver {
	r := &receiver{status: status}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, request{at: time.Now(), header: req.Header.Clone(), body: body})
		n := len(r.got)
		r.mu.Unlock()
		w.WriteHeader(r.status(n))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.got...)
}

func always(status int) func(int) int { return func(int) int { return status } }

// eventually polls check until it holds or 60 s pass.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// deliveries reads a subscription's delivery log.
func deliveries(t *testing.T, d *webhooks.Dispatcher, id string) []webhooks.Delivery {
	t.Helper()
	out, err := d.Deliveries(t.Context(), id, webhooks.DeliveryQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func subscribe(t *testing.T, d *webhooks.Dispatcher, url string, filters ...string) webhooks.Created {
	t.Helper()
	c, err := d.Create(t.Context(), webhooks.CreateRequest{URL: url, Events: filters})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fmtGaps(reqs []request) string {
	s := ""
	for i := 1; i < len(reqs); i++ {
		s += fmt.Sprintf(" %d→%d: %s", i, i+1, reqs[i].at.Sub(reqs[i-1].at).Round(time.Millisecond))
	}
	return s
}

// testKeys seal the fixtures' signing secrets, as in production.
func testKeys(t *testing.T) *webhooks.Keyring {
	t.Helper()
	k, err := webhooks.NewKeyring([][]byte{[]byte("fixture-key-fixture-key-fixture!")})
	if err != nil {
		t.Fatal(err)
	}
	return k
}
