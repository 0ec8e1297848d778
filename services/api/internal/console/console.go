// Package console serves the web console: a single-page application of
// plain ES modules embedded in the binary (no build step, nothing loaded
// from elsewhere), mounted beside the HTTP API at /ui/. The console holds
// no privilege of its own: every read and action is a call of the public
// /v1 API with the signed-in user's bearer token, so it can do nothing the
// API would not allow that user.
package console

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// Prefix is where the console is served.
const Prefix = "/ui/"

//go:embed ui
var files embed.FS

// Options are what the console is told about the server it runs on.
type Options struct {
	// OIDCIssuer and OIDCClientID, when both are set, offer sign-in through
	// that issuer (authorization code with PKCE, the console a public
	// client): its ID tokens are what the api accepts.
	OIDCIssuer   string
	OIDCClientID string
}

// policy keeps the page to its own origin: no inline script, no framing, no
// third-party requests (connect-src 'self' covers the API and its event
// stream), except the OIDC issuer's discovery and token endpoints.
func policy(o Options) string {
	connect := "'self'"
	if origin := issuerOrigin(o); origin != "" {
		connect += " " + origin
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src " + connect + "; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
}

// issuerOrigin is scheme://host of the OIDC issuer, "" when OIDC is off.
func issuerOrigin(o Options) string {
	if o.OIDCIssuer == "" || o.OIDCClientID == "" {
		return ""
	}
	u, err := url.Parse(o.OIDCIssuer)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// config is config.json: what the page needs to know before it signs in.
func config(o Options) []byte {
	c := map[string]any{}
	if issuerOrigin(o) != "" {
		c["oidc"] = map[string]string{"issuer": o.OIDCIssuer, "clientId": o.OIDCClientID}
	}
	b, _ := json.Marshal(c)
	return b
}

// Mount returns a handler that answers / (a redirect to the console) and
// /ui/... itself, and passes every other request to api.
func Mount(api http.Handler, o Options) http.Handler {
	ui := Handler(o)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/" || r.URL.Path == "/ui":
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				api.ServeHTTP(w, r)
				return
			}
			http.Redirect(w, r, Prefix, http.StatusFound)
		case strings.HasPrefix(r.URL.Path, Prefix):
			ui.ServeHTTP(w, r)
		default:
			api.ServeHTTP(w, r)
		}
	})
}

// Handler serves the embedded files under Prefix. Each answer carries a
// strong ETag of its content, so a browser revalidates instead of running
// an older console against a newer API.
func Handler(o Options) http.Handler {
	root, err := fs.Sub(files, "ui")
	if err != nil {
		panic(err) // the embedded tree always has ui
	}
	etags := map[string]string{}
	_ = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		etags[p] = `"` + hex.EncodeToString(sum[:8]) + `"`
		return nil
	})
	static := http.StripPrefix(Prefix, http.FileServerFS(root))
	csp, cfg := policy(o), config(o)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(path.Clean(r.URL.Path), strings.TrimSuffix(Prefix, "/"))
		name = strings.TrimPrefix(name, "/")
		if name == "" {
			name = "index.html"
		}
		if name == "config.json" {
			h.Set("Content-Type", "application/json")
			_, _ = w.Write(cfg)
			return
		}
		if tag, ok := etags[name]; ok {
			h.Set("ETag", tag)
		}
		static.ServeHTTP(w, r)
	})
}
