package systemtest

import (
	"net/http"
	"strings"
	"testing"
)

func TestBadInputIsRefusedWithProblemsAndWritesNothing(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstackOptions())
	waitForTargets(t, api)
	tests := []struct {
		name   string
		path   string
		body   any
		ctype  string
		status int
		field  string // a field the problem must name ("" = none required)
		detail string // a fragment the detail must contain
	}{
		{"malformed json", deploymentsPath, `{"name": "x", "spec": {`, "", 400, "", "ends in the middle"},
		{"syntax error", deploymentsPath, `{"name": "x",, }`, "", 400, "", "invalid JSON at byte"},
		{"empty body", deploymentsPath, ``, "", 400, "", "empty"},
		{"trailing data", deploymentsPath, `{"name":"a","spec":{"image":"i"}} {}`, "", 400, "", "after the JSON"},
		{"unknown field", deploymentsPath, `{"name":"a","colour":"red","spec":{"image":"i"}}`, "", 400, "colour", ""},
		{"wrong type", deploymentsPath, `{"name":"a","spec":{"image":"i","replicas":"three"}}`, "", 400, "spec.replicas", ""},
		{"invalid name", deploymentsPath, `{"name":"Bad_Name","spec":{"image":"i"}}`, "", 400, "name", ""},
		{"name too long", deploymentsPath, `{"name":"` + strings.Repeat("a", 41) + `","spec":{"image":"i"}}`, "", 400, "name", ""},
		{"invalid owner", "/v1/projects/ACME/fraud/deployments", `{"name":"a","spec":{"image":"i"}}`, "", 400, "owner", ""},
		{"missing spec", deploymentsPath, `{"name":"a"}`, "", 400, "spec", ""},
		{"missing image", deploymentsPath, `{"name":"a","spec":{}}`, "", 400, "spec.image", ""},
		{"negative replicas", deploymentsPath, `{"name":"a","spec":{"image":"i","replicas":-1}}`, "", 400, "spec.replicas", ""},
		{"min above max", deploymentsPath, `{"name":"a","spec":{"image":"i","scaling":{"min":5,"max":2}}}`, "", 400, "spec.scaling.min", ""},
		{"both surge and unavailable zero", deploymentsPath, `{"name":"a","spec":{"image":"i","rollout":{"maxSurge":"0","maxUnavailable":"0"}}}`, "", 400, "spec.rollout", ""},
		{"bad env name", deploymentsPath, `{"name":"a","spec":{"image":"i","env":{"1BAD":"x"}}}`, "", 400, "spec.env.1BAD", ""},
		{"bad label", deploymentsPath, `{"name":"a","labels":{"team":"has spaces"},"spec":{"image":"i"}}`, "", 400, "labels.team", ""},
		{"unknown target", deploymentsPath, `{"name":"a","target":"mars","spec":{"image":"i"}}`, "", 400, "target", ""},
		{"unknown instance type", deploymentsPath, `{"name":"a","spec":{"image":"i","instanceType":"gpu-h100"}}`, "", 400, "spec.instanceType", ""},
		{"bad wait", deploymentsPath + "?wait=forever", `{"name":"a","spec":{"image":"i"}}`, "", 400, "", "wait"},
		{"wrong content type", deploymentsPath, `name=a`, "text/plain", 415, "", ""},
		{"oversized body", deploymentsPath, `{"name":"a","spec":{"image":"` + strings.Repeat("x", 2<<20) + `"}}`, "", 413, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			headers := []string{}
			if tt.ctype != "" {
				headers = append(headers, "Content-Type", tt.ctype)
			}
			p := api.Do(t, http.MethodPost, tt.path, tt.body, headers...).ExpectProblem(t, tt.status)
			if tt.field != "" && !p.HasField(tt.field) {
				t.Fatalf("problem does not name field %q: %+v", tt.field, p)
			}
			if tt.detail != "" && !strings.Contains(p.Detail, tt.detail) {
				t.Fatalf("detail %q lacks %q", p.Detail, tt.detail)
			}
		})
	}
	// Unknown routes and methods are problems too, never HTML.
	api.Do(t, http.MethodGet, "/v1/nope", nil).ExpectProblem(t, http.StatusNotFound)
	api.Do(t, http.MethodPut, deploymentsPath, `{}`).ExpectProblem(t, http.StatusMethodNotAllowed)

	commands, evts := streamCounts(t, s.NATSURL)
	if commands != 0 || evts != 0 {
		t.Fatalf("refused requests wrote %d commands and %d events", commands, evts)
	}
}
