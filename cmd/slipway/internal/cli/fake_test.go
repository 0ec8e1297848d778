package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"slipway.dev/cmd/slipway/internal/cli"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// The fixtures in testdata/api were recorded from `slipway dev` (simulated
// cluster) with curl; the golden files are the CLI's output for them, with
// the clock fixed at now.
var now = time.Date(2026, 11, 24, 12, 30, 0, 0, time.UTC)

// fakeAPI serves recorded answers and records the requests it gets.
type fakeAPI struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	routes map[string]http.HandlerFunc
	reqs   []seen
}

// seen is a request the fake got.
type seen struct {
	Method, Path string
	Query        map[string][]string
	Header       http.Header
	Body         string
}

func newFakeAPI(t *testing.T) *fakeAPI {
	f := &fakeAPI{t: t, routes: map[string]http.HandlerFunc{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, seen{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: string(body)})
	h := f.routes[r.Method+" "+r.URL.Path]
	f.mu.Unlock()
	if h == nil {
		problem(w, http.StatusNotFound, `{"type":"https://slipway.dev/problems/http","title":"No such route","status":404,"instance":"`+r.URL.Path+`"}`)
		return
	}
	h(w, r)
}

// handle routes method and path to h.
func (f *fakeAPI) handle(method, path string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[method+" "+path] = h
}

// reply answers method and path with status and body (JSON, or a problem
// for a status of 400 or more); header holds name, value pairs.
func (f *fakeAPI) reply(method, path string, status int, body string, header ...string) {
	f.handle(method, path, func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		if status >= 400 {
			problem(w, status, body)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	})
}

// replyFile answers with a fixture of testdata/api.
func (f *fakeAPI) replyFile(method, path string, status int, fixture string, header ...string) {
	f.reply(method, path, status, fixtureText(f.t, fixture), header...)
}

// requests returns the requests seen so far.
func (f *fakeAPI) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

// last returns the last request to method and path.
func (f *fakeAPI) last(method, path string) seen {
	f.t.Helper()
	reqs := f.requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Method == method && reqs[i].Path == path {
			return reqs[i]
		}
	}
	f.t.Fatalf("no %s %s among %d requests", method, path, len(reqs))
	return seen{}
}

func problem(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// rolloutState is one recorded moment of a rollout: the deployment and the
// operation of the rollout, as GET answered them.
type rolloutState struct {
	Deployment json.RawMessage `json:"deployment"`
	Operation  json.RawMessage `json:"operation"`
}

// replaySequence serves a recorded rollout: every GET of the operation
// moves to the next state (the CLI reads the deployment, then the operation).
func (f *fakeAPI) replaySequence(depPath, opID string, states []rolloutState) {
	var mu sync.Mutex
	i := 0
	cur := func() rolloutState {
		mu.Lock()
		defer mu.Unlock()
		return states[min(i, len(states)-1)]
	}
	f.handle("GET", depPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(cur().Deployment)
	})
	f.handle("GET", "/v1/operations/"+opID, func(w http.ResponseWriter, r *http.Request) {
		s := cur()
		mu.Lock()
		i++
		mu.Unlock()
		status := http.StatusAccepted
		var op struct{ Status string }
		json.Unmarshal(s.Operation, &op)
		if op.Status == "succeeded" || op.Status == "failed" {
			status = http.StatusOK
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(s.Operation)
	})
}

func loadStates(t *testing.T, fixture string) []rolloutState {
	t.Helper()
	var states []rolloutState
	if err := json.Unmarshal([]byte(fixtureText(t, fixture)), &states); err != nil {
		t.Fatal(err)
	}
	return states
}

func fixtureText(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "api", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// result is what one run of the CLI did.
type result struct {
	code           int
	stdout, stderr string
}

// runner runs the CLI in-process against a server with a fixed clock, no
// retry pauses, fast polling, an empty config dir and known keys.
type runner struct {
	server   string
	env      map[string]string
	stdin    string
	terminal bool
	timeout  time.Duration
}

func (f *fakeAPI) runner() *runner {
	return &runner{server: f.srv.URL, env: map[string]string{}}
}

func (rn *runner) run(t *testing.T, args ...string) result {
	t.Helper()
	env := map[string]string{"SLIPWAY_SERVER": rn.server, "XDG_CONFIG_HOME": t.TempDir()}
	for k, v := range rn.env {
		env[k] = v
	}
	var stdout, stderr bytes.Buffer
	app := &cli.App{
		Stdout: &stdout, Stderr: &stderr, Stdin: strings.NewReader(rn.stdin),
		Getenv:       func(k string) string { return env[k] },
		PollInterval: time.Millisecond, RetryBackoff: -1,
		Now:        func() time.Time { return now },
		IsTerminal: func(io.Writer) bool { return rn.terminal },
		NewKey:     func() string { return "test-key" },
	}
	timeout := rn.timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	code := app.Run(ctx, args)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}
