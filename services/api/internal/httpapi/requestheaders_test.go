package httpapi

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHeadIsAnsweredAsGet: HEAD on a GET route gets the GET's status and
// headers (Content-Length the GET body's) and no body, refused as the GET
// is; the event stream answers its headers without streaming.
func TestHeadIsAnsweredAsGet(t *testing.T) {
	w := &world{}
	srv := httptest.NewServer(New(Deps{Reads: w, Commands: w, Changes: w, Targets: w, Stream: w, Webhooks: hooks{}, Tokens: memTokens{},
		Access: w, Auth: principals, Logger: slog.New(slog.DiscardHandler), Ready: func() error { return nil }}))
	t.Cleanup(srv.Close)
	do := func(method, path, caller string) (*http.Response, string) {
		req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+caller)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	const dep = "/v1/projects/acme/fraud/deployments/scorer"
	for _, c := range []struct{ path, caller string }{
		{dep, "viewer"}, {dep, "stranger"}, {dep + "/revisions/2", "viewer"}, {"/v1/targets", "viewer"},
		{"/healthz", ""}, {"/v1/deployments?bogus=1", "viewer"}, {"/v1/nowhere", "viewer"},
	} {
		get, body := do("GET", c.path, c.caller)
		head, headBody := do("HEAD", c.path, c.caller)
		if head.StatusCode != get.StatusCode || headBody != "" {
			t.Errorf("HEAD %s as %s: %d with %d bytes; GET: %d", c.path, c.caller, head.StatusCode, len(headBody), get.StatusCode)
		}
		for _, h := range []string{"Content-Type", "ETag"} {
			if head.Header.Get(h) != get.Header.Get(h) {
				t.Errorf("HEAD %s as %s: %s %q, GET's %q", c.path, c.caller, h, head.Header.Get(h), get.Header.Get(h))
			}
		}
		if head.ContentLength != int64(len(body)) {
			t.Errorf("HEAD %s as %s: Content-Length %d, GET's body %d bytes", c.path, c.caller, head.ContentLength, len(body))
		}
	}
	if head, _ := do("HEAD", "/v1/events", "viewer"); head.StatusCode != http.StatusOK || head.Header.Get("Content-Type") != "text/event-stream" {
		t.Errorf("HEAD /v1/events: %d %v", head.StatusCode, head.Header)
	}
	if head, _ := do("HEAD", "/v1/promotions", "admin"); head.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("HEAD on a route without GET: %d, want 405", head.StatusCode)
	}
}

// TestIdempotencyKeyIsBounded: a key of more than 255 characters, or with
// anything but printable ASCII, is refused 400 naming the header; 255 pass.
func TestIdempotencyKeyIsBounded(t *testing.T) {
	w := &world{}
	h := New(Deps{Reads: w, Commands: w, Changes: w, Targets: w, Stream: w, Webhooks: hooks{}, Tokens: memTokens{}, Access: w,
		Auth: principals, Logger: slog.New(slog.DiscardHandler), Ready: func() error { return nil }})
	for key, want := range map[string]int{
		strings.Repeat("k", 255):   http.StatusAccepted,
		"retry-1 of 3":             http.StatusAccepted,
		strings.Repeat("k", 256):   http.StatusBadRequest,
		strings.Repeat("k", 10240): http.StatusBadRequest,
		"ключ":                     http.StatusBadRequest,
		"a\x01b":                   http.StatusBadRequest,
	} {
		req := httptest.NewRequest("POST", "/v1/projects/acme/fraud/deployments/scorer/rollout/pause", nil)
		req.Header.Set("Authorization", "Bearer deployer")
		req.Header.Set("Idempotency-Key", key)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want || (want == http.StatusBadRequest && !strings.Contains(rec.Body.String(), "Idempotency-Key header must be 1 to 255 printable ASCII")) {
			t.Errorf("a key of %d bytes: %d %s, want %d", len(key), rec.Code, rec.Body, want)
		}
	}
	if n := len(w.submitted); n != 2 {
		t.Errorf("%d commands submitted, want the 2 with valid keys", n)
	}
}

// TestLargeHeadersAreAProblem: through the API's own server, headers over
// MaxHeaderBytes (a 1.1 MB Authorization among them) are answered 431
// problem+json naming the header, not net/http's plain text; headers just
// under the limit pass.
func TestLargeHeadersAreAProblem(t *testing.T) {
	w := &world{}
	h := New(Deps{Reads: w, Commands: w, Changes: w, Targets: w, Stream: w, Webhooks: hooks{}, Tokens: memTokens{}, Access: w,
		Auth: principals, Logger: slog.New(slog.DiscardHandler), Ready: func() error { return nil }})
	srv := httptest.NewUnstartedServer(h)
	srv.Config = Server(h)
	srv.Start()
	t.Cleanup(srv.Close)
	for _, c := range []struct {
		header, value string
		want          int
	}{
		{"Authorization", "Bearer " + strings.Repeat("a", 1_100_000), http.StatusRequestHeaderFieldsTooLarge},
		{"X-Padding", strings.Repeat("p", MaxHeaderBytes), http.StatusRequestHeaderFieldsTooLarge},
		{"X-Padding", strings.Repeat("p", MaxHeaderBytes/2), http.StatusOK},
	} {
		req, err := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/v1/whoami", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer viewer")
		req.Header.Set(c.header, c.value)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s of %d bytes: %d, want %d", c.header, len(c.value), resp.StatusCode, c.want)
			continue
		}
		if c.want != http.StatusOK && (resp.Header.Get("Content-Type") != "application/problem+json" ||
			!strings.Contains(string(body), "headers-too-large") || !strings.Contains(string(body), "the largest is "+c.header)) {
			t.Errorf("%s of %d bytes: %s %s", c.header, len(c.value), resp.Header.Get("Content-Type"), body)
		}
	}
}
