package httpapi

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"slipway.dev/pkg/embedded/embeddedtest"
	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/access"
)

// TestEveryDenialIsAudited: a caller refused on a path whose owner, project
// or deployment holds whitespace, CR/LF, '*', '>', '.' or invalid UTF-8 is
// recorded on the real stream once per request, under a subject of the
// owner and project tokens, and the record shows the path percent-encoded
// as it was sent.
func TestEveryDenialIsAudited(t *testing.T) {
	b, _ := embeddedtest.NATS(t)
	w := &world{}
	srv := httptest.NewServer(New(Deps{Reads: w, Commands: w, Changes: w, Targets: w, Stream: w, Webhooks: hooks{}, Tokens: memTokens{},
		Access: access.NewJournal(b, slog.New(slog.DiscardHandler)), Auth: principals, Logger: slog.New(slog.DiscardHandler),
		Ready: func() error { return nil }}))
	t.Cleanup(srv.Close)

	want := map[string]int{} // deployment as the record shows it -> denials sent
	for _, bad := range []string{"ac me", "ac\r\nme", "*", ">", "ac.me", "ac\xffme"} {
		for i := range 3 {
			parts := []string{"acme", "fraud", "scorer"}
			parts[i] = bad
			shown := url.PathEscape(parts[0]) + "/" + url.PathEscape(parts[1]) + "/" + url.PathEscape(parts[2])
			path := "/v1/projects/" + url.PathEscape(parts[0]) + "/" + url.PathEscape(parts[1]) + "/deployments/" + url.PathEscape(parts[2])
			if got := call(t, srv.URL, "GET", path, "", "stranger"); got != http.StatusForbidden {
				t.Fatalf("GET %s: %d, want 403", path, got)
			}
			want[shown]++
		}
	}

	counts, err := b.SubjectCounts(t.Context(), "slipway.evt.access.>")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for subject := range counts {
		if tokens := strings.Split(subject, "."); len(tokens) != 5 {
			t.Errorf("%s: an access subject has an owner and a project token", subject)
		}
		records, _, err := b.History(t.Context(), subject)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range records {
			d, ok := r.Message.(events.AccessDenied)
			if !ok {
				t.Fatalf("%s holds a %T", subject, r.Message)
			}
			if r.Envelope.Subject != d.Deployment || !strings.Contains(d.Message, d.Project) || !strings.HasPrefix(d.Deployment, d.Project+"/") {
				t.Errorf("record on %s: subject %q, deployment %q, project %q, message %q", subject, r.Envelope.Subject, d.Deployment, d.Project, d.Message)
			}
			got[d.Deployment]++
		}
	}
	for shown, n := range want {
		if got[shown] != n {
			t.Errorf("%s: %d records, want %d", shown, got[shown], n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("records for %d paths, want %d: %v", len(got), len(want), got)
	}
}

// TestDenialsSayWhatTheCallerHolds: a denial names the role needed and the
// one held, in words ("no role", never "the none role").
func TestDenialsSayWhatTheCallerHolds(t *testing.T) {
	w := &world{}
	h := New(Deps{Reads: w, Commands: w, Changes: w, Targets: w, Stream: w, Webhooks: hooks{}, Tokens: memTokens{}, Access: w,
		Auth: principals, Logger: slog.New(slog.DiscardHandler), Ready: func() error { return nil }})
	const dep = "/v1/projects/acme/fraud/deployments/scorer"
	tests := []struct{ method, path, caller, want string }{
		{"GET", dep, "stranger", "to read a deployment you need the viewer role on acme/fraud; token:s(tok_s) has no role on acme/fraud"},
		{"DELETE", dep, "deployer", "to terminate a deployment you need the admin role on acme/fraud; token:d(tok_d) has only the deployer role on acme/fraud"},
		{"DELETE", "/v1/targets/eu-west", "admin", "to remove a target you need to be a global admin; token:a(tok_a) is not one"},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(tt.method, tt.path, nil)
		req.Header.Set("Authorization", "Bearer "+tt.caller)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), `"detail":"`+tt.want+`"`) {
			t.Errorf("%s %s as %s: %d %s; want detail %q", tt.method, tt.path, tt.caller, rec.Code, rec.Body, tt.want)
		}
	}
}
