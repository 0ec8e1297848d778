package httpapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/access"
	"slipway.dev/services/api/internal/fault"
	"slipway.dev/services/api/internal/intake"
	"slipway.dev/services/api/internal/readmodel"
	"slipway.dev/services/api/internal/webhooks"
)

// world is every dependency answering as if acme/fraud held the deployments
// scorer (staging) and prod (production), so only authorization decides.
type world struct {
	mu        sync.Mutex
	records   []string // actors of recorded access events
	submitted []string // actors of submitted commands
	opReads   int      // read-model operation lookups
}

func (*world) Deployment(_ context.Context, id string) (readmodel.Deployment, error) {
	parts := strings.Split(id, "/")
	env := "staging"
	if parts[2] == "prod" {
		env = "production"
	}
	return readmodel.Deployment{ID: id, Owner: parts[0], Project: parts[1], Name: parts[2], Environment: env}, nil
}
func (w *world) Operation(_ context.Context, id string) (readmodel.Operation, error) {
	w.mu.Lock()
	w.opReads++
	w.mu.Unlock()
	return readmodel.Operation{ID: id, Deployment: "acme/fraud/scorer", Owner: "acme", Project: "fraud", Status: readmodel.OpSucceeded}, nil
}
func (*world) Revision(_ context.Context, _ string, n int) (readmodel.Revision, error) {
	return readmodel.Revision{Number: n, Spec: &events.Spec{Image: fmt.Sprintf("ghcr.io/acme/scorer:%d", n)}}, nil
}
func (*world) Revisions(context.Context, string, int, int) ([]readmodel.Revision, error) {
	return nil, nil
}
func (*world) Deployments(context.Context, readmodel.FleetQuery) ([]readmodel.Deployment, error) {
	return nil, nil
}
func (*world) DeploymentSummaries(context.Context, readmodel.FleetQuery) ([]readmodel.DeploymentSummary, error) {
	return nil, nil
}
func (*world) Operations(context.Context, readmodel.OperationQuery) ([]readmodel.Operation, error) {
	return nil, nil
}
func (*world) Promotion(_ context.Context, id string) (readmodel.Promotion, error) {
	return readmodel.Promotion{ID: id, Source: "acme/fraud/scorer", Target: "acme/fraud/prod"}, nil
}
func (*world) Ping(context.Context) error { return nil }
func (w *world) Submit(_ context.Context, r intake.Request) (intake.Record, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.submitted = append(w.submitted, r.Actor)
	return intake.Record{ID: "op-1", Actor: r.Actor, Deployment: r.Ref.String(), Duplicate: r.IdempotencyKey == "seen"}, nil
}
func (*world) Lookup(context.Context, string) (intake.Record, error) {
	return intake.Record{ID: "op-1"}, nil
}
func (*world) Stored(context.Context, intake.Request) (intake.Record, bool, error) {
	return intake.Record{}, false, nil
}
func (*world) Changed() <-chan struct{}                          { return nil }
func (*world) OperationChanged(string) (<-chan struct{}, func()) { return nil, func() {} }
func (*world) Target(string) (events.TargetRecord, bool, bool) {
	return events.TargetRecord{}, false, false
}
func (*world) List() []events.TargetRecord { return []events.TargetRecord{} }
func (*world) Names() []string             { return nil }
func (*world) Events(context.Context, string, uint64) (EventIterator, error) {
	return endedIterator{}, nil
}
func (*world) LastSeq(context.Context) (uint64, error) { return 0, nil }
func (w *world) Record(_ context.Context, actor, _ string, _ events.Message) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.records = append(w.records, actor)
	return nil
}

type endedIterator struct{}

func (endedIterator) Next() (uint64, []byte, error) { return 0, nil, context.Canceled }
func (endedIterator) Stop()                         {}

// hooks holds one acme/fraud webhook and one of every project.
type hooks struct{}

func (hooks) Create(_ context.Context, r webhooks.CreateRequest) (webhooks.Created, error) {
	return webhooks.Created{Subscription: webhooks.Subscription{ID: "wh_1", Project: r.Project}}, nil
}
func (hooks) List(context.Context) ([]webhooks.Subscription, error) { return nil, nil }
func (hooks) Get(_ context.Context, id string) (webhooks.Subscription, error) {
	if id == "wh_missing" { // as the webhooks store answers
		return webhooks.Subscription{}, fmt.Errorf("webhook %s: %w", id, fault.ErrNotFound)
	}
	if id == "wh_all" {
		return webhooks.Subscription{ID: id}, nil
	}
	return webhooks.Subscription{ID: id, Project: "acme/fraud"}, nil
}
func (hooks) Delete(context.Context, string) error { return nil }
func (hooks) Deliveries(context.Context, string, webhooks.DeliveryQuery) ([]webhooks.Delivery, error) {
	return nil, nil
}
func (hooks) Redeliver(context.Context, string, string) (webhooks.Delivery, error) {
	return webhooks.Delivery{}, nil
}

// tokensByName authenticates "Bearer <name>" as the principal of that name.
type tokensByName map[string]access.Principal

func (m tokensByName) Authenticate(_ context.Context, r *http.Request) (access.Principal, error) {
	p, ok := m[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	if !ok {
		return p, fmt.Errorf("%w: unknown", access.ErrUnauthenticated)
	}
	return p, nil
}

type memTokens struct{}

func (memTokens) Create(_ context.Context, n access.NewToken) (access.Token, string, error) {
	return access.Token{ID: "tok_new", Name: n.Name, Grants: n.Grants, CreatedBy: n.CreatedBy, CreatedAt: time.Now()}, "slw_new_x", nil
}
func (memTokens) Get(_ context.Context, id string) (access.Token, error) {
	return access.Token{ID: id, Name: "ci", CreatedBy: "token:someone-else(tok_x)"}, nil
}
func (memTokens) List(context.Context) ([]access.Token, error) { return nil, nil }
func (memTokens) Revoke(_ context.Context, id string) (access.Token, error) {
	return access.Token{ID: id}, nil
}

func grant(role string) []events.Grant { return []events.Grant{{Project: "acme/fraud", Role: role}} }

var principals = tokensByName{
	"viewer":   {Subject: "token:v", Name: "v", Method: "token", TokenID: "tok_v", Grants: grant("viewer")},
	"deployer": {Subject: "token:d", Name: "d", Method: "token", TokenID: "tok_d", Grants: grant("deployer")},
	"admin":    {Subject: "token:a", Name: "a", Method: "token", TokenID: "tok_a", Grants: grant("admin")},
	"owner-wide-admin": {Subject: "oidc:o", Name: "o", Method: "oidc",
		Grants: []events.Grant{{Project: "acme/*", Role: "admin"}}},
	"stranger": {Subject: "token:s", Name: "s", Method: "token", TokenID: "tok_s",
		Grants: []events.Grant{{Project: "globex/search", Role: "admin"}}},
	"global": {Subject: "token:g", Name: "g", Method: "token", TokenID: "tok_g", GlobalAdmin: true},
}

// rank orders the callers by what they may do on acme/fraud.
var rank = map[string]access.Role{"stranger": access.None, "viewer": access.Viewer, "deployer": access.Deployer,
	"admin": access.Admin, "owner-wide-admin": access.Admin, "global": access.GlobalAdmin}

func TestEveryRouteHasAnAccessRule(t *testing.T) {
	e := New(Deps{Logger: slog.New(slog.DiscardHandler)})
	routes := map[string]bool{}
	for _, r := range e.Routes() {
		key := r.Method + " " + r.Path
		routes[key] = true
		if _, ok := routeRules[key]; !ok {
			t.Errorf("route %s has no access rule: add it to routeRules", key)
		}
	}
	for key := range routeRules {
		if !routes[key] {
			t.Errorf("access rule %s names no route", key)
		}
	}
}

// TestRolesAgainstRoutes calls every route class as each role and checks
// that exactly the callers below the route's role are refused, with a 403
// that is recorded.
func TestRolesAgainstRoutes(t *testing.T) {
	w := &world{}
	srv := httptest.NewServer(New(Deps{Reads: w, Commands: w, Changes: w, Targets: w, Stream: w, Webhooks: hooks{},
		Tokens: memTokens{}, Access: w, Auth: principals, Logger: slog.New(slog.DiscardHandler), Ready: func() error { return nil }}))
	t.Cleanup(srv.Close)
	const dep = "/v1/projects/acme/fraud/deployments"
	tests := []struct {
		method, path, body string
		need               access.Role
	}{
		{"GET", dep + "/scorer", "", access.Viewer},
		{"GET", dep + "/scorer/revisions", "", access.Viewer},
		{"GET", dep + "/scorer/revisions/1", "", access.Viewer},
		{"GET", "/v1/operations/op-1", "", access.Viewer},
		{"GET", "/v1/promotions/pr-1", "", access.Viewer},
		{"GET", "/v1/events?project=acme/fraud", "", access.Viewer},
		{"PATCH", dep + "/scorer", `{"spec":{"replicas":2}}`, access.Deployer},
		{"POST", dep + "/scorer/rollback", `{"revision":1}`, access.Deployer},
		{"POST", dep + "/scorer/rollout/pause", "", access.Deployer},
		{"PUT", dep + "/scorer/aliases/staging", `{"revision":1}`, access.Deployer},
		{"DELETE", dep + "/scorer/aliases/staging", "", access.Deployer},
		{"POST", "/v1/promotions", `{"source":"acme/fraud/scorer","target":"acme/fraud/canary","dryRun":true}`, access.Deployer},
		{"POST", dep, `{"name":"new","spec":{"image":"ghcr.io/acme/x:1"}}`, access.Admin},
		{"DELETE", dep + "/scorer", "", access.Admin},
		{"POST", "/v1/promotions", `{"source":"acme/fraud/scorer","target":"acme/fraud/prod","dryRun":true}`, access.Admin},
		{"POST", "/v1/promotions/pr-1/apply", "", access.Admin}, // its target is prod
		{"POST", "/v1/webhooks", `{"url":"https://hooks.example/x","events":["*"],"project":"acme/fraud"}`, access.Admin},
		{"GET", "/v1/webhooks/wh_1", "", access.Admin},
		{"DELETE", "/v1/webhooks/wh_1", "", access.Admin},
		{"POST", "/v1/tokens", `{"name":"ci","grants":[{"project":"acme/fraud","role":"deployer"}]}`, access.Admin},
		{"POST", "/v1/webhooks", `{"url":"https://hooks.example/x","events":["*"]}`, access.GlobalAdmin},
		{"GET", "/v1/webhooks/wh_all", "", access.GlobalAdmin},
		{"PUT", "/v1/targets/eu-west", `{}`, access.GlobalAdmin},
		{"DELETE", "/v1/targets/eu-west", "", access.GlobalAdmin},
		{"POST", "/v1/tokens", `{"name":"root","globalAdmin":true}`, access.GlobalAdmin},
		{"DELETE", "/v1/tokens/tok_x", "", access.GlobalAdmin}, // made by someone else
	}
	for _, tt := range tests {
		for name, role := range rank {
			t.Run(tt.method+" "+tt.path+" as "+name, func(t *testing.T) {
				before := len(w.records)
				status := call(t, srv.URL, tt.method, tt.path, tt.body, name)
				refused := role < tt.need
				refusal := http.StatusForbidden
				if strings.HasPrefix(tt.path, "/v1/webhooks/") || strings.HasPrefix(tt.path, "/v1/tokens/") {
					refusal = http.StatusNotFound // refusedAsMissing
				}
				if refused != (status == refusal) || status == http.StatusUnauthorized {
					t.Fatalf("%d; want refused=%v (needs %s, caller holds %s)", status, refused, tt.need, role)
				}
				if recorded := len(w.records) > before; refused && !recorded {
					t.Errorf("the denial was not recorded in the audit log")
				}
			})
		}
	}
}

// TestCommandsCarryTheCaller: the command a request submits names the
// authenticated caller, so events and the audit log say who did it.
func TestCommandsCarryTheCaller(t *testing.T) {
	w := &world{}
	srv := httptest.NewServer(New(Deps{Reads: w, Commands: w, Changes: w, Targets: w, Stream: w, Webhooks: hooks{},
		Tokens: memTokens{}, Access: w, Auth: principals, Logger: slog.New(slog.DiscardHandler), Ready: func() error { return nil }}))
	t.Cleanup(srv.Close)
	const dep = "/v1/projects/acme/fraud/deployments/scorer"
	for token, want := range map[string]string{"deployer": "token:d(tok_d)", "owner-wide-admin": "user:o"} {
		if status := call(t, srv.URL, "POST", dep+"/rollback", `{"revision":1}`, token); status >= 300 {
			t.Fatalf("rollback as %s: %d", token, status)
		}
		if got := w.submitted[len(w.submitted)-1]; got != want {
			t.Errorf("command submitted as %s names %q, want %q", token, got, want)
		}
	}
}

func call(t *testing.T, base, method, path, body, token string) int {
	t.Helper()
	var rd *strings.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, base+path, nil)
	if rd != nil {
		req, err = http.NewRequestWithContext(t.Context(), method, base+path, rd)
		req.Header.Set("Content-Type", "application/json")
	}
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("%s %s: %d is not problem+json", method, path, resp.StatusCode)
	}
	return resp.StatusCode
}

func TestCredentialsRequiredExceptOnPublicRoutes(t *testing.T) {
	w := &world{}
	srv := httptest.NewServer(New(Deps{Reads: w, Commands: w, Changes: w, Targets: w, Stream: w, Webhooks: hooks{},
		Tokens: memTokens{}, Access: w, Auth: principals, Logger: slog.New(slog.DiscardHandler), Ready: func() error { return nil }}))
	t.Cleanup(srv.Close)
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		if got := call(t, srv.URL, "GET", path, "", ""); got != http.StatusOK {
			t.Errorf("GET %s without credentials: %d, want 200", path, got)
		}
	}
	for _, c := range []struct{ method, path, token string }{
		{"GET", "/v1/deployments", ""}, {"GET", "/v1/openapi.json", ""}, {"GET", "/v1/whoami", "forged"},
		{"POST", "/v1/projects/acme/fraud/deployments", ""}, {"GET", "/v1/events", "Basic abc"},
	} {
		if got := call(t, srv.URL, c.method, c.path, "", c.token); got != http.StatusUnauthorized {
			t.Errorf("%s %s with %q: %d, want 401", c.method, c.path, c.token, got)
		}
	}
	if len(w.records) != 0 {
		t.Errorf("401s were recorded as denials: %v", w.records)
	}
}

func TestRateLimitPerCaller(t *testing.T) {
	w := &world{}
	srv := httptest.NewServer(New(Deps{Reads: w, Commands: w, Changes: w, Targets: w, Stream: w, Auth: principals, Access: w,
		Limiter: access.NewLimiter(0.001, 2), Logger: slog.New(slog.DiscardHandler), Ready: func() error { return nil }}))
	t.Cleanup(srv.Close)
	const path = "/v1/projects/acme/fraud/deployments/scorer/rollout/pause"
	for i, want := range []int{http.StatusAccepted, http.StatusAccepted, http.StatusTooManyRequests} {
		if got := call(t, srv.URL, "POST", path, "", "deployer"); got != want {
			t.Errorf("request %d: %d, want %d", i+1, got, want)
		}
	}
	if got := call(t, srv.URL, "POST", path, "", "admin"); got != http.StatusAccepted {
		t.Errorf("another caller was limited too: %d", got)
	}
	if got := call(t, srv.URL, "GET", "/v1/projects/acme/fraud/deployments/scorer", "", "deployer"); got != http.StatusOK {
		t.Errorf("a read was limited by the changes' limit: %d", got)
	}
}

// TestReadsHaveTheirOwnLimit: GETs and event stream opens take from a
// bucket of their own (a burst of 3 here, refilled too slowly to matter),
// answered 429 problem+json with Retry-After once it is empty; changes
// keep theirs.
func TestReadsHaveTheirOwnLimit(t *testing.T) {
	w := &world{}
	srv := httptest.NewServer(New(Deps{Reads: w, Commands: w, Changes: w, Targets: w, Stream: w, Auth: principals, Access: w,
		Limiter: access.NewLimiter(0.001, 1), ReadLimiter: access.NewLimiter(0.001, 3),
		Logger: slog.New(slog.DiscardHandler), Ready: func() error { return nil }}))
	t.Cleanup(srv.Close)
	const dep = "/v1/projects/acme/fraud/deployments/scorer"
	var got []int
	for range 4 {
		got = append(got, call(t, srv.URL, "GET", dep, "", "deployer"))
	}
	if want := []int{200, 200, 200, 429}; !slices.Equal(got, want) {
		t.Errorf("reads: %v, want %v", got, want)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/v1/events", nil)
	req.Header.Set("Authorization", "Bearer deployer")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(string(body), "rate-limited") {
		t.Errorf("event stream open past the read limit: %d Retry-After=%q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if got := call(t, srv.URL, "GET", dep, "", "viewer"); got != http.StatusOK {
		t.Errorf("another caller's read was limited: %d", got)
	}
	if got := call(t, srv.URL, "POST", dep+"/rollout/pause", "", "deployer"); got != http.StatusAccepted {
		t.Errorf("a change was limited by the reads' limit: %d", got)
	}
}

func TestCORSOffByDefault(t *testing.T) {
	for _, origins := range [][]string{nil, {"https://console.acme.example"}} {
		srv := httptest.NewServer(New(Deps{Logger: slog.New(slog.DiscardHandler), CORSOrigins: origins, Ready: func() error { return nil }}))
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodOptions, srv.URL+"/v1/deployments", nil)
		req.Header.Set("Origin", "https://console.acme.example")
		req.Header.Set("Access-Control-Request-Method", "GET")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		srv.Close()
		got := resp.Header.Get("Access-Control-Allow-Origin")
		if want := strings.Join(origins, ""); got != want {
			t.Errorf("origins %v: Access-Control-Allow-Origin %q, want %q", origins, got, want)
		}
	}
}

// TestNewCommandsAnswerFromTheIntake: a command stored just now is
// answered 202 from the intake's record without a read-model lookup; a
// retry of a stored one reads its operation, which may have ended.
func TestNewCommandsAnswerFromTheIntake(t *testing.T) {
	w := &world{}
	h := New(Deps{Reads: w, Commands: w, Changes: w, Targets: w, Stream: w, Webhooks: hooks{}, Tokens: memTokens{}, Access: w,
		Auth: principals, Logger: slog.New(slog.DiscardHandler), Ready: func() error { return nil }})
	patch := func(key string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("PATCH", "/v1/projects/acme/fraud/deployments/scorer", strings.NewReader(`{"spec":{"replicas":2}}`))
		req.Header.Set("Authorization", "Bearer deployer")
		req.Header.Set("Content-Type", "application/merge-patch+json")
		req.Header.Set("Idempotency-Key", key)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	rec := patch("new")
	if rec.Code != http.StatusAccepted || !strings.Contains(rec.Body.String(), `"status":"accepted"`) ||
		!strings.Contains(rec.Body.String(), `"deployment":"acme/fraud/scorer"`) || rec.Header().Get("Location") != "/v1/operations/op-1" {
		t.Fatalf("new command: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	if w.opReads != 0 {
		t.Fatalf("a new command read the operation %d times", w.opReads)
	}
	if rec := patch("seen"); rec.Code != http.StatusOK || w.opReads != 1 {
		t.Fatalf("a retry answers its operation as it is now (succeeded): %d, %d reads, %s", rec.Code, w.opReads, rec.Body)
	}
}
