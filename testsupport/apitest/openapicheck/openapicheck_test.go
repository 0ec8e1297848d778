package openapicheck_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"slipway.dev/testsupport/apitest"
	"slipway.dev/testsupport/apitest/openapicheck"
)

const document = `{
  "openapi": "3.0.3",
  "info": {"title": "things", "version": "1"},
  "paths": {
    "/v1/things": {
      "post": {
        "requestBody": {"required": true, "content": {"application/json": {"schema": {
          "type": "object", "additionalProperties": false, "required": ["name"],
          "properties": {"name": {"type": "string"}}}}}},
        "responses": {
          "202": {"description": "accepted", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
          "400": {"description": "bad", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        }
      }
    },
    "/v1/things/{id}": {
      "get": {
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {
          "200": {"description": "the thing", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
          "202": {"description": "no body"},
          "304": {"description": "unchanged"}
        }
      }
    },
    "/v1/things/{id}/owner": {
      "get": {
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {
          "200": {"description": "the thing with its owner", "content": {"application/json": {"schema": {
            "allOf": [{"$ref": "#/components/schemas/Thing"}, {"type": "object", "properties": {"owner": {"type": "string"}}}]}}}}
        }
      }
    }
  },
  "components": {"schemas": {
    "Thing": {"type": "object", "required": ["id"], "properties": {
      "id": {"type": "string"},
      "labels": {"type": "object", "additionalProperties": {"type": "string"}},
      "extra": {"type": "object", "additionalProperties": true},
      "blob": {"description": "any JSON"},
      "parts": {"type": "array", "items": {"type": "object", "properties": {"n": {"type": "integer"}}}},
      "shape": {"oneOf": [
        {"type": "object", "required": ["radius"], "properties": {"radius": {"type": "number"}}},
        {"type": "object", "required": ["side"], "properties": {"side": {"type": "number"}}}]}
    }},
    "Problem": {"type": "object", "required": ["type", "status"], "properties": {"type": {"type": "string"}, "status": {"type": "integer"}}}
  }}
}`

// fakeAPI serves the document and answers each request with the status,
// content type and body the test put in the X-Answer header: "202
// application/json {...}".
func fakeAPI(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == openapicheck.DocumentPath {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, document)
			return
		}
		var status int
		var ctype, body string
		if _, err := fmt.Sscanf(r.Header.Get("X-Answer"), "%d %s", &status, &ctype); err != nil {
			t.Errorf("bad X-Answer %q", r.Header.Get("X-Answer"))
		}
		if _, rest, ok := strings.Cut(r.Header.Get("X-Answer"), ctype+" "); ok {
			body = rest
		}
		if ctype != "-" {
			w.Header().Set("Content-Type", ctype)
		}
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// recorder collects what the checker reports instead of failing the test.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestCheck(t *testing.T) {
	api := openapicheck.Attach(apitest.New(fakeAPI(t)))
	tests := []struct {
		name, method, path string
		body               any
		answer             string
		wantErr            string // "" = conforms
	}{
		{"declared answer", "GET", "/v1/things/a", nil, `200 application/json {"id":"a"}`, ""},
		{"not modified", "GET", "/v1/things/a", nil, `304 - `, ""},
		{"accepted request", "POST", "/v1/things", `{"name":"a"}`, `202 application/json {"id":"a"}`, ""},
		{"refused bad request", "POST", "/v1/things", `{"colour":"red"}`, `400 application/problem+json {"type":"x","status":400}`, ""},
		{"unknown route", "GET", "/v1/nope", nil, `404 application/problem+json {"type":"x","status":404}`, ""},
		{"unknown method", "DELETE", "/v1/things", nil, `405 application/problem+json {"type":"x","status":405}`, ""},
		{"unknown method on a templated path", "PUT", "/v1/things/a", `{}`, `405 application/problem+json {"type":"x","status":405}`, ""},

		{"declared members", "GET", "/v1/things/a", nil, `200 application/json {"id":"a","labels":{"team":"x"},"extra":{"any":{"deep":1}},"blob":{"b":[1]},"parts":[{"n":1}],"shape":{"side":2}}`, ""},
		{"members of allOf branches", "GET", "/v1/things/a/owner", nil, `200 application/json {"id":"a","owner":"me"}`, ""},

		{"undeclared member", "GET", "/v1/things/a", nil, `200 application/json {"id":"a","colour":"red"}`, "does not declare (its objects are closed unless additionalProperties says otherwise): colour"},
		{"undeclared member in an array", "GET", "/v1/things/a", nil, `200 application/json {"id":"a","parts":[{"n":1},{"n":2,"m":3}]}`, "declare (its objects are closed unless additionalProperties says otherwise): parts[].m"},
		{"undeclared member of a oneOf branch", "GET", "/v1/things/a", nil, `200 application/json {"id":"a","shape":{"side":1,"colour":"red"}}`, "shape.colour"},
		{"undeclared member next to allOf", "GET", "/v1/things/a/owner", nil, `200 application/json {"id":"a","owner":"me","since":"now"}`, "does not declare (its objects are closed unless additionalProperties says otherwise): since"},
		{"undeclared member answering an accepted request", "POST", "/v1/things", `{"name":"a"}`, `202 application/json {"id":"a","colour":"red"}`, "colour"},
		{"unknown route with an undeclared problem member", "GET", "/v1/nope", nil, `404 application/problem+json {"type":"x","status":404,"hint":"h"}`, "hint"},

		{"undeclared status", "GET", "/v1/things/a", nil, `500 application/problem+json {"type":"x","status":500}`, "status 500 is not declared"},
		{"body breaks the schema", "GET", "/v1/things/a", nil, `200 application/json {"name":"a"}`, "response body doesn't match"},
		{"wrong content type", "GET", "/v1/things/a", nil, `200 text/plain {"id":"a"}`, "Content-Type"},
		{"problem for a success", "GET", "/v1/things/a", nil, `200 application/problem+json {"id":"a"}`, "Content-Type"},
		{"body where none is declared", "GET", "/v1/things/a", nil, `202 application/json {"id":"a"}`, "declares no body"},
		{"accepted bad request", "POST", "/v1/things", `{"colour":"red"}`, `202 application/json {"id":"a"}`, "request was accepted but breaks"},
		{"unknown route answered", "GET", "/v1/nope", nil, `200 application/json {}`, "must be 404"},
		{"unknown method answered 404", "PUT", "/v1/things/a", `{}`, `404 application/problem+json {"type":"x","status":404}`, "must be 405"},
		{"unknown route without a problem", "GET", "/v1/nope", nil, `404 text/html <p>no</p>`, "problem+json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			api.Do(rec, tt.method, tt.path, tt.body, "X-Answer", tt.answer)
			switch {
			case tt.wantErr == "" && len(rec.errs) > 0:
				t.Fatalf("reported %q", rec.errs)
			case tt.wantErr != "" && (len(rec.errs) != 1 || !strings.Contains(rec.errs[0], tt.wantErr)):
				t.Fatalf("reported %q, want one report containing %q", rec.errs, tt.wantErr)
			}
		})
	}
}

func TestCheckWithoutADocument(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	rec := &recorder{TB: t}
	openapicheck.Attach(apitest.New(srv.URL)).Do(rec, "GET", "/v1/things/a", nil)
	if len(rec.errs) != 1 || !strings.Contains(rec.errs[0], "fetch the document") {
		t.Fatalf("reported %q", rec.errs)
	}
}
