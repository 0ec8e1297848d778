package console

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestMountRoutes(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-From", "api")
		w.WriteHeader(http.StatusTeapot)
	})
	h := Mount(api, Options{})
	tests := []struct {
		method, path string
		status       int
		location     string
		contentType  string
		fromAPI      bool
	}{
		{method: "GET", path: "/", status: http.StatusFound, location: "/ui/"},
		{method: "HEAD", path: "/", status: http.StatusFound, location: "/ui/"},
		{method: "GET", path: "/ui", status: http.StatusFound, location: "/ui/"},
		{method: "GET", path: "/ui/", status: http.StatusOK, contentType: "text/html"},
		{method: "GET", path: "/ui/app.js", status: http.StatusOK, contentType: "text/javascript"},
		{method: "GET", path: "/ui/style.css", status: http.StatusOK, contentType: "text/css"},
		{method: "GET", path: "/ui/nothing.js", status: http.StatusNotFound},
		{method: "POST", path: "/ui/", status: http.StatusMethodNotAllowed},
		{method: "POST", path: "/", status: http.StatusTeapot, fromAPI: true},
		{method: "GET", path: "/v1/deployments", status: http.StatusTeapot, fromAPI: true},
		{method: "GET", path: "/healthz", status: http.StatusTeapot, fromAPI: true},
		{method: "GET", path: "/uix", status: http.StatusTeapot, fromAPI: true},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			if got := rec.Header().Get("Location"); got != tc.location {
				t.Errorf("Location %q, want %q", got, tc.location)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, tc.contentType) {
				t.Errorf("Content-Type %q, want %q", ct, tc.contentType)
			}
			if got := rec.Header().Get("X-From") == "api"; got != tc.fromAPI {
				t.Errorf("answered by the api: %v, want %v", got, tc.fromAPI)
			}
			if strings.HasPrefix(tc.path, "/ui/") && rec.Header().Get("Content-Security-Policy") == "" {
				t.Error("no Content-Security-Policy")
			}
		})
	}
}

// TestFilesAnswerWithTheirETag: a browser revalidates each file, and an
// unchanged one costs a 304.
func TestFilesAnswerWithTheirETag(t *testing.T) {
	h := Handler(Options{})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/ui/app.js", nil))
	tag := rec.Header().Get("ETag")
	if rec.Code != http.StatusOK || tag == "" {
		t.Fatalf("GET: %d, ETag %q", rec.Code, tag)
	}
	req := httptest.NewRequest("GET", "/ui/app.js", nil)
	req.Header.Set("If-None-Match", tag)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d, want 304", rec.Code)
	}
}

var (
	imports = regexp.MustCompile(`(?m)(?:^import .* from|^export .* from) "([^"]+)"`)
	refs    = regexp.MustCompile(`(?:src|href)="([^"#]+)"`)
)

// TestEverythingIsLocal: every module import and every file the page
// names is one of the embedded files; nothing comes from another origin.
func TestEverythingIsLocal(t *testing.T) {
	root, err := fs.Sub(files, "ui")
	if err != nil {
		t.Fatal(err)
	}
	err = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		var named [][]string
		switch {
		case strings.HasSuffix(p, ".js"):
			named = imports.FindAllStringSubmatch(string(b), -1)
		case strings.HasSuffix(p, ".html"):
			named = refs.FindAllStringSubmatch(string(b), -1)
		}
		for _, m := range named {
			ref := m[1]
			if strings.HasPrefix(ref, "data:") {
				continue
			}
			if strings.Contains(ref, "//") {
				t.Errorf("%s loads %s from another origin", p, ref)
				continue
			}
			if _, err := fs.Stat(root, strings.TrimPrefix(ref, "./")); err != nil {
				t.Errorf("%s names %s, which is not embedded", p, ref)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestConfigOffersOIDCOnlyWhenConfigured(t *testing.T) {
	tests := []struct {
		name    string
		o       Options
		config  string
		connect string
	}{
		{"off", Options{}, `{}`, "connect-src 'self';"},
		{"no client id", Options{OIDCIssuer: "https://id.example.com"}, `{}`, "connect-src 'self';"},
		{"on", Options{OIDCIssuer: "https://id.example.com/realms/x", OIDCClientID: "slipway"},
			`{"oidc":{"clientId":"slipway","issuer":"https://id.example.com/realms/x"}}`, "connect-src 'self' https://id.example.com;"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			Handler(tc.o).ServeHTTP(rec, httptest.NewRequest("GET", "/ui/config.json", nil))
			if got := strings.TrimSpace(rec.Body.String()); rec.Code != http.StatusOK || got != tc.config {
				t.Errorf("config.json: %d %s, want %s", rec.Code, got, tc.config)
			}
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, tc.connect) {
				t.Errorf("policy %q, want %q", csp, tc.connect)
			}
		})
	}
}
