package httpapi

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"slipway.dev/pkg/embedded/embeddedtest"
	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/access"
)

// refusedAsMissing are the routes whose refusals answer 404, as for an id
// that does not exist.
var refusedAsMissing = map[string]bool{
	"GET /v1/tokens/:id": true, "DELETE /v1/tokens/:id": true,
	"GET /v1/webhooks/:id": true, "DELETE /v1/webhooks/:id": true, "GET /v1/webhooks/:id/deliveries": true,
	"POST /v1/webhooks/:id/deliveries/:deliveryId/redeliver": true,
}

// TestForeignIDsAnswerAsMissing: a caller without access to a token or a
// webhook gets the very answer it would get for an id that does not exist,
// so it cannot tell which ids exist; the denial is still recorded.
func TestForeignIDsAnswerAsMissing(t *testing.T) {
	b, _ := embeddedtest.NATS(t)
	store, err := access.OpenTokenStore(t.Context(), b)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := store.Create(t.Context(), access.NewToken{Name: "ci", CreatedBy: "user:ada",
		Grants: []events.Grant{{Project: "acme/fraud", Role: "viewer"}}})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{}
	h := New(Deps{Reads: w, Commands: w, Changes: w, Targets: w, Stream: w, Webhooks: hooks{}, Tokens: store, Access: w,
		Auth: principals, Logger: slog.New(slog.DiscardHandler), Ready: func() error { return nil }})
	answer := func(method, path, caller string) (int, string) {
		req := httptest.NewRequest(method, path, nil)
		req.Header.Set("Authorization", "Bearer "+caller)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		body, _ := io.ReadAll(rec.Body)
		return rec.Code, string(body)
	}
	tests := []struct{ existing, missing, caller string }{
		{"/v1/tokens/" + tok.ID, "/v1/tokens/tok_nosuchtoken", "admin"},
		{"/v1/webhooks/wh_1", "/v1/webhooks/wh_missing", "deployer"},
		{"/v1/webhooks/wh_1/deliveries", "/v1/webhooks/wh_missing/deliveries", "stranger"},
		{"/v1/webhooks/wh_all", "/v1/webhooks/wh_missing", "admin"},
	}
	for _, tt := range tests {
		for _, method := range []string{"GET", "DELETE"} {
			if strings.HasSuffix(tt.existing, "/deliveries") && method == "DELETE" {
				continue
			}
			before := len(w.records)
			code, body := answer(method, tt.existing, tt.caller)
			wantCode, want := answer(method, tt.missing, tt.caller)
			existingID, missingID := strings.Split(tt.existing, "/")[3], strings.Split(tt.missing, "/")[3]
			if code != http.StatusNotFound || wantCode != http.StatusNotFound || strings.ReplaceAll(body, existingID, missingID) != want {
				t.Errorf("%s %s as %s: %d %s\nan id that does not exist: %d %s", method, tt.existing, tt.caller, code, body, wantCode, want)
			}
			if len(w.records) != before+1 {
				t.Errorf("%s %s as %s: the denial was not recorded", method, tt.existing, tt.caller)
			}
		}
	}
	if code, _ := answer("GET", "/v1/tokens/"+tok.ID, "global"); code != http.StatusOK {
		t.Errorf("a global admin reads the token: %d", code)
	}
}
