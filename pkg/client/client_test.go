package client_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"slipway.dev/pkg/client"
	"slipway.dev/pkg/events"
)

// recorder is an API that answers every request with answer and keeps the
// requests it got.
type recorder struct {
	mu       sync.Mutex
	requests []*http.Request
	bodies   []string
	answer   func(w http.ResponseWriter, r *http.Request)
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	if r.Body != nil {
		buf := make([]byte, 1<<16)
		n, _ := r.Body.Read(buf)
		b.Write(buf[:n])
	}
	rc.mu.Lock()
	rc.requests, rc.bodies = append(rc.requests, r), append(rc.bodies, b.String())
	rc.mu.Unlock()
	rc.answer(w, r)
}

func (rc *recorder) last(t *testing.T) (*http.Request, string) {
	t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.requests) == 0 {
		t.Fatal("no request")
	}
	return rc.requests[len(rc.requests)-1], rc.bodies[len(rc.bodies)-1]
}

func serve(t *testing.T, answer func(w http.ResponseWriter, r *http.Request)) (*client.Client, *recorder) {
	t.Helper()
	rc := &recorder{answer: answer}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	c := client.New(srv.URL+"/", "tok")
	c.RetryBackoff = -1
	return c, rc
}

func jsonAnswer(status int, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

func TestCommandsSendTheirRouteBodyAndAnIdempotencyKey(t *testing.T) {
	c, rc := serve(t, jsonAnswer(202, `{"id":"op-1","status":"accepted","future":"kept"}`))
	op, err := c.CreateDeployment(t.Context(), client.Project{Owner: "acme", Name: "fraud"},
		client.CreateDeploymentRequest{Name: "scorer", Spec: &events.Spec{Image: "i:1"}}, client.CommandOptions{Wait: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if op.ID != "op-1" || op.Status != client.OpAccepted || !strings.Contains(string(op.JSON()), `"future":"kept"`) {
		t.Fatalf("operation %+v, JSON %s", op, op.JSON())
	}
	r, body := rc.last(t)
	if r.Method != "POST" || r.URL.Path != "/v1/projects/acme/fraud/deployments" || r.URL.Query().Get("wait") != "30s" {
		t.Errorf("sent %s %s", r.Method, r.URL)
	}
	if body != `{"name":"scorer","spec":{"image":"i:1"}}` {
		t.Errorf("body %s", body)
	}
	if len(r.Header.Get("Idempotency-Key")) != 32 || r.Header.Get("Authorization") != "Bearer tok" {
		t.Errorf("headers %v", r.Header)
	}
	if r.Header.Get("If-Match") != "" {
		t.Errorf("a create sent If-Match %q", r.Header.Get("If-Match"))
	}

	ref := client.Ref{Owner: "acme", Project: "fraud", Name: "scorer/x"}
	if _, err := c.UpdateDeployment(t.Context(), ref, client.UpdateDeploymentRequest{Spec: map[string]any{"replicas": nil}},
		client.CommandOptions{IdempotencyKey: "k1", IfMatch: `"4"`}); err != nil {
		t.Fatal(err)
	}
	r, body = rc.last(t)
	if r.Method != "PATCH" || r.URL.EscapedPath() != "/v1/projects/acme/fraud/deployments/scorer%2Fx" || body != `{"spec":{"replicas":null}}` ||
		r.Header.Get("Idempotency-Key") != "k1" || r.Header.Get("If-Match") != `"4"` || r.Header.Get("Content-Type") != "application/merge-patch+json" {
		t.Errorf("update sent %s %s %s %v", r.Method, r.URL.EscapedPath(), body, r.Header)
	}
}

func TestARetriedMutationKeepsItsKey(t *testing.T) {
	var (
		mu   sync.Mutex
		keys []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		first := len(keys) == 1
		mu.Unlock()
		if first { // drop the connection: a transport failure
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		jsonAnswer(200, `{"id":"op-1","status":"succeeded"}`)(w, r)
	}))
	defer srv.Close()
	c := client.New(srv.URL, "")
	c.RetryBackoff = -1
	op, err := c.DeleteDeployment(t.Context(), client.Ref{Owner: "a", Project: "b", Name: "c"}, true, client.CommandOptions{})
	if err != nil || op.Status != client.OpSucceeded {
		t.Fatalf("%+v %v", op, err)
	}
	if len(keys) != 2 || keys[0] == "" || keys[0] != keys[1] {
		t.Fatalf("keys %q: want one key sent twice", keys)
	}
}

func TestProblemsAreTypedErrorsWithTheirFields(t *testing.T) {
	c, _ := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(400)
		fmt.Fprint(w, `{"type":"https://slipway.dev/problems/validation","title":"Invalid request","status":400,"instance":"/v1/x",
			"errors":[{"field":"spec.replicas","message":"must be between 0 and 500"}]}`)
	})
	_, err := c.RollbackDeployment(t.Context(), client.Ref{Owner: "a", Project: "b", Name: "c"}, client.RollbackRequest{Revision: 1}, client.CommandOptions{})
	var p *client.ProblemError
	if !errors.As(fmt.Errorf("wrapped: %w", err), &p) {
		t.Fatalf("error %T %v, want a *ProblemError", err, err)
	}
	if msg, ok := p.Field("spec.replicas"); !ok || msg != "must be between 0 and 500" || p.Type != client.ProblemValidation || p.Status != 400 {
		t.Fatalf("problem %+v", p)
	}
}

func TestAnUnreachableAPIIsAConnectionError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := client.New("http://"+addr, "")
	c.RetryBackoff = -1
	_, err = c.Healthz(t.Context())
	var conn *client.ConnectionError
	if !errors.As(err, &conn) {
		t.Fatalf("error %T %v, want a *ConnectionError", err, err)
	}
}

func TestWaitPollsUntilTheOperationEnds(t *testing.T) {
	var mu sync.Mutex
	reads := 0
	c, rc := serve(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		reads++
		status := "running"
		if reads == 3 {
			status = "failed"
		}
		mu.Unlock()
		jsonAnswer(200, `{"id":"op-1","status":"`+status+`","reason":"ProgressDeadlineExceeded"}`)(w, r)
	})
	c.PollInterval = time.Millisecond
	op, err := c.Wait(t.Context(), "op-1")
	if err != nil || op.Status != client.OpFailed || reads != 3 {
		t.Fatalf("%+v %v after %d reads", op, err, reads)
	}
	var failed *client.OperationError
	if !errors.As(op.Err(), &failed) || failed.Operation.Reason != "ProgressDeadlineExceeded" {
		t.Fatalf("Err() = %v", op.Err())
	}
	r, _ := rc.last(t)
	if r.URL.Path != "/v1/operations/op-1" || r.URL.Query().Get("wait") != "10m0s" {
		t.Errorf("read %s", r.URL)
	}
}

// TestWatchResumesAfterTheLastEvent: a stream that drops after two events is
// reopened with Last-Event-ID of the second, and the filter again.
func TestWatchResumesAfterTheLastEvent(t *testing.T) {
	var (
		mu         sync.Mutex
		lastIDs    []string
		deployment []string
	)
	c, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		lastIDs = append(lastIDs, r.Header.Get("Last-Event-ID"))
		deployment = append(deployment, r.URL.Query().Get("deployment"))
		n := len(lastIDs)
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "retry: 1\n\n")
		for i := range 2 {
			id := 2*(n-1) + i + 1
			fmt.Fprintf(w, "id: %d\nevent: t%d\ndata: {\"id\":\"e%d\",\n", id, id, id)
			fmt.Fprintf(w, "data: \"type\":\"t%d\"}\n\n", id)
		}
	})
	var got []string
	for ev, err := range c.Watch(t.Context(), client.EventFilter{Deployment: "a/b/c"}) {
		if err != nil {
			t.Fatal(err)
		}
		env, err := ev.Envelope()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ev.ID+":"+ev.Type+":"+env.ID)
		if len(got) == 5 {
			break
		}
	}
	want := []string{"1:t1:e1", "2:t2:e2", "3:t3:e3", "4:t4:e4", "5:t5:e5"}
	if !slices.Equal(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
	if !slices.Equal(lastIDs, []string{"", "2", "4"}) || !slices.Equal(deployment, []string{"a/b/c", "a/b/c", "a/b/c"}) {
		t.Fatalf("connections sent Last-Event-ID %q, deployment %q", lastIDs, deployment)
	}
}

func TestWatchEndsWithTheAPIsRefusal(t *testing.T) {
	c, _ := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(403)
		fmt.Fprint(w, `{"type":"https://slipway.dev/problems/forbidden","title":"Forbidden","status":403}`)
	})
	n := 0
	for _, err := range c.Watch(t.Context(), client.EventFilter{}) {
		n++
		var p *client.ProblemError
		if !errors.As(err, &p) || p.Status != 403 {
			t.Fatalf("error %v, want the 403", err)
		}
	}
	if n != 1 {
		t.Fatalf("yielded %d times, want one error", n)
	}
}

// TestEveryRouteIsSentAsDeclared: each method sends its route's method and
// path, so the route table the contract test reads is the client's.
func TestEveryRouteIsSentAsDeclared(t *testing.T) {
	c, rc := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v1/events":
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprint(w, "id: 1\ndata: {}\n\n")
		case r.URL.Path == "/metrics" || strings.Contains(r.URL.Path, "/diff/") && r.Header.Get("Accept") == "text/plain":
			fmt.Fprint(w, "text")
		default:
			jsonAnswer(200, `{}`)(w, r)
		}
	})
	ctx := t.Context()
	ref := client.Ref{Owner: "o", Project: "p", Name: "n"}
	o := client.CommandOptions{}
	calls := []func() error{
		func() error { _, err := c.Healthz(ctx); return err },
		func() error { _, err := c.Readyz(ctx); return err },
		func() error { _, err := c.Metrics(ctx); return err },
		func() error { _, err := c.OpenAPI(ctx); return err },
		func() error { _, err := c.Whoami(ctx); return err },
		func() error { _, err := c.CreateToken(ctx, client.CreateTokenRequest{Name: "x"}); return err },
		func() error { _, err := c.ListTokens(ctx); return err },
		func() error { _, err := c.GetToken(ctx, "t"); return err },
		func() error { _, err := c.RevokeToken(ctx, "t"); return err },
		func() error {
			_, err := c.CreateDeployment(ctx, client.Project{Owner: "o", Name: "p"}, client.CreateDeploymentRequest{}, o)
			return err
		},
		func() error { _, err := c.GetDeployment(ctx, ref); return err },
		func() error { _, err := c.UpdateDeployment(ctx, ref, client.UpdateDeploymentRequest{}, o); return err },
		func() error { _, err := c.DeleteDeployment(ctx, ref, false, o); return err },
		func() error { _, err := c.RollbackDeployment(ctx, ref, client.RollbackRequest{}, o); return err },
		func() error {
			_, err := c.ControlRollout(ctx, ref, client.RolloutPause, client.RolloutControlRequest{}, o)
			return err
		},
		func() error { _, err := c.SetAlias(ctx, ref, "a", client.SetAliasRequest{}, o); return err },
		func() error { _, err := c.DeleteAlias(ctx, ref, "a", o); return err },
		func() error { _, err := c.ListRevisions(ctx, ref, client.PageOptions{}); return err },
		func() error { _, err := c.GetRevision(ctx, ref, 1); return err },
		func() error { _, err := c.DiffRevisions(ctx, ref, 1, 2); return err },
		func() error { _, err := c.ListDeployments(ctx, client.DeploymentQuery{}); return err },
		func() error { _, err := c.GetOperation(ctx, "op", 0); return err },
		func() error { _, err := c.CreatePromotion(ctx, client.PromotionRequest{}, o); return err },
		func() error { _, err := c.GetPromotion(ctx, "pr"); return err },
		func() error { _, err := c.ApplyPromotion(ctx, "pr", o); return err },
		func() error {
			for _, err := range c.Watch(ctx, client.EventFilter{}) {
				return err
			}
			return nil
		},
		func() error { _, err := c.Audit(ctx, client.AuditQuery{}); return err },
		func() error { _, err := c.ListTargets(ctx); return err },
		func() error { _, err := c.GetTarget(ctx, "t"); return err },
		func() error { _, err := c.PutTarget(ctx, "t", client.TargetRegistration{}, o); return err },
		func() error { _, err := c.DeleteTarget(ctx, "t", o); return err },
		func() error { _, err := c.CreateWebhook(ctx, client.CreateWebhookRequest{}); return err },
		func() error { _, err := c.ListWebhooks(ctx); return err },
		func() error { _, err := c.GetWebhook(ctx, "w"); return err },
		func() error { return c.DeleteWebhook(ctx, "w") },
		func() error { _, err := c.ListDeliveries(ctx, "w", client.DeliveryQuery{}); return err },
		func() error { _, err := c.Redeliver(ctx, "w", "d"); return err },
	}
	var sent []string
	for _, call := range calls {
		if err := call(); err != nil {
			t.Fatal(err)
		}
		r, _ := rc.last(t)
		sent = append(sent, r.Method+" "+r.URL.Path)
	}
	for _, route := range client.Routes() {
		if !slices.ContainsFunc(sent, func(s string) bool { return matches(route, s) }) {
			t.Errorf("no method sends %s %s", route.Method, route.Path)
		}
	}
	if len(sent) != len(client.Routes()) {
		t.Errorf("%d calls, %d routes", len(sent), len(client.Routes()))
	}
	b, _ := json.Marshal(sent)
	t.Logf("sent %s", b)
}

// matches reports whether sent ("METHOD /path") is a request on route: its
// method, and its path segment by segment, a {parameter} matching any.
func matches(route client.Route, sent string) bool {
	method, path, _ := strings.Cut(sent, " ")
	want, got := strings.Split(route.Path, "/"), strings.Split(path, "/")
	if method != route.Method || len(want) != len(got) {
		return false
	}
	for i, w := range want {
		if w != got[i] && !strings.HasPrefix(w, "{") {
			return false
		}
	}
	return true
}
