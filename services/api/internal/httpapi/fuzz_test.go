package httpapi

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// fuzzRoutes are the routes that decode a body or parameters, as a global
// admin may call them (so every request reaches its decoder).
var fuzzRoutes = []struct{ method, path, contentType string }{
	{"POST", "/v1/projects/acme/fraud/deployments", "application/json"},
	{"PATCH", "/v1/projects/acme/fraud/deployments/scorer", "application/merge-patch+json"},
	{"PATCH", "/v1/projects/acme/fraud/deployments/scorer", "application/json"},
	{"POST", "/v1/projects/acme/fraud/deployments/scorer/rollback", "application/json"},
	{"POST", "/v1/projects/acme/fraud/deployments/scorer/rollout/pause", "application/json"},
	{"PUT", "/v1/projects/acme/fraud/deployments/scorer/aliases/staging", "application/json"},
	{"POST", "/v1/promotions", "application/json"},
	{"POST", "/v1/promotions/pr-1/apply", "application/json"},
	{"POST", "/v1/webhooks", "application/json"},
	{"PUT", "/v1/targets/eu-west", "application/json"},
	{"POST", "/v1/tokens", "application/json"},
	{"GET", "/v1/deployments", ""},
	{"GET", "/v1/audit", ""},
	{"GET", "/v1/projects/acme/fraud/deployments/scorer/revisions/1/diff/2", ""},
}

// FuzzRequests sends arbitrary bodies and query strings to every decoding
// route: whatever arrives, the answer is never a 5xx, and every refusal is
// problem+json. CI runs it briefly (scripts/test.sh); the seeds run in
// every go test.
func FuzzRequests(f *testing.F) {
	seeds := []string{
		`{"name":"scorer","environment":"staging","spec":{"image":"ghcr.io/acme/scorer:1","replicas":2,"env":{"A":"b"},"secrets":[{"env":"HF_TOKEN","name":"s","key":"k"}]}}`,
		`{"spec":{"replicas":null,"env":{"DB_PASSWORD":"x"},"rollout":{"maxSurge":"200%","steps":[{"setWeight":-1}]}}}`,
		`{"revision":1,"message":"slow"}`, `{"revision":-9223372036854775808}`,
		`{"source":"acme/fraud/scorer","target":"acme/fraud/prod","dryRun":true,"env":{"X":{"useSource":true}}}`,
		`{"url":"http://169.254.169.254/latest","events":["*"],"project":"acme/fraud"}`,
		`{"connection":{"kubeconfigSecret":{"namespace":"x","name":"y","key":"z"}},"routing":{"kind":"gateway"}}`,
		`{"name":"ci","grants":[{"project":"acme/*","role":"admin"}],"expiresIn":"-1h"}`,
		`[]`, `null`, `"x"`, `{"spec":`, "\xff\xfe", `{"a":1e999}`, `{"spec":{"labels":{"":""}}}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s), "wait=1ms&limit=5&label=team%3Drisk&q=sc")
	}
	// Specs the cluster would refuse (issue 17): created (route 0), merged
	// into the current spec (route 1) and promoted (route 6).
	for _, bad := range specSeeds {
		f.Add(uint8(0), []byte(`{"name":"n","spec":`+bad+`}`), "")
		f.Add(uint8(1), []byte(`{"spec":`+bad+`}`), "")
	}
	f.Add(uint8(6), []byte(`{"source":"acme/fraud/scorer","sourceRevision":7,"target":"acme/fraud/canary","env":{"A\u0000":"\u0007","DB":"mysql://u:p@h/d"}}`), "")
	f.Add(uint8(7), []byte{}, "")
	f.Add(uint8(11), []byte{}, "limit=-1&cursor=%%%&label=a!=b,,&sort=-name")
	f.Add(uint8(12), []byte{}, "from=yesterday&to=2026-13-45T99:00:00Z&kind=&actor=\x00")
	w := &world{}
	// Reads answers specs (so a PATCH reaches the merged spec's validation),
	// a legacy revision 7 and plans to apply.
	h := New(Deps{Reads: legacyWorld{w}, Commands: w, Changes: w, Targets: w, Stream: w, Webhooks: hooks{}, Tokens: memTokens{}, Access: w,
		Auth: principals, Logger: slog.New(slog.DiscardHandler), Ready: func() error { return nil }})
	f.Fuzz(func(t *testing.T, route uint8, body []byte, query string) {
		r := fuzzRoutes[int(route)%len(fuzzRoutes)]
		target := r.path
		if q, err := url.ParseQuery(query); err == nil {
			// A valid ?wait= long-polls for up to its duration: cap it so
			// every input is answered promptly (its parsing is still fuzzed).
			if d, err := time.ParseDuration(q.Get("wait")); err == nil && d > 10*time.Millisecond {
				q.Set("wait", "10ms")
			}
			target += "?" + q.Encode()
		}
		req := httptest.NewRequest(r.method, target, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer global")
		if r.contentType != "" {
			req.Header.Set("Content-Type", r.contentType)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s with %q: %d %s", r.method, target, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%s %s: %d is not problem+json: %s", r.method, target, rec.Code, rec.Body)
		}
	})
}

// specSeeds are spec bodies the adversarial pass of issue 17 got accepted.
var specSeeds = []string{
	`{"image":"UPPER/Case:1"}`, `{"image":"a:b:c"}`, `{"image":"::::"}`, `{"image":"@sha256:zz"}`, `{"image":"-rf/evil"}`,
	`{"image":"x\u0000:1"}`, `{"image":"x\u0007:1"}`, `{"image":"http://evil/x"}`, `{"image":"../../etc/passwd"}`,
	`{"image":"localhost:5000/x@sha256:` + sha + `"}`,
	`{"image":"x:1","podAnnotations":{"a b":"x","k\u0000":"v"}}`,
	`{"image":"x:1","endpoints":[{"name":"p","path":"/a b"},{"name":"q","path":"/a\"b"}]}`,
	`{"image":"x:1","env":{"A\u0000":"b","GITHUB_PAT":"x","B":"-----BEGIN PRIVATE KEY-----","C":"xoxb-1234567890-abc"}}`,
	`{"image":"x:1","readinessProbe":{"path":"/r?x"},"args":["--t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig"]}`,
}
