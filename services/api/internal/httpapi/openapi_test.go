package httpapi

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// testAPI is the API with dependencies that are never called: enough to list
// routes and serve the document.
func testAPI() http.Handler {
	return New(Deps{Logger: slog.New(slog.DiscardHandler), Ready: func() error { return nil }})
}

// servedDocument loads the document as GET /v1/openapi.json serves it.
func servedDocument(t *testing.T) *openapi3.T {
	t.Helper()
	rec := httptest.NewRecorder()
	testAPI().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/openapi.json", nil))
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET /v1/openapi.json: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	doc, err := openapi3.NewLoader().LoadFromData(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("load the served document: %v", err)
	}
	return doc
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc := servedDocument(t)
	if err := doc.Validate(t.Context()); err != nil {
		t.Fatalf("the document is not valid OpenAPI 3: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Fatalf("openapi %q, want 3.0.3", doc.OpenAPI)
	}
}

var echoParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

// TestOpenAPIDocumentNamesEveryRoute: every route of New is documented with
// its method and path, and every documented operation is a route.
func TestOpenAPIDocumentNamesEveryRoute(t *testing.T) {
	var routes []string
	for _, r := range New(Deps{}).Routes() {
		routes = append(routes, r.Method+" "+echoParam.ReplaceAllString(r.Path, "{$1}"))
	}
	var documented []string
	for path, item := range servedDocument(t).Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	for _, r := range routes {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not in openapi.yaml", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(routes, d) {
			t.Errorf("openapi.yaml documents %s, which is no route", d)
		}
	}
}

func TestYAMLToJSONTurnsEveryKeyIntoAString(t *testing.T) {
	got, err := yamlToJSON([]byte("responses:\n  200: {ok: true}\nlist:\n  - {1: one, true: yes}\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"list":[{"1":"one","true":"yes"}],"responses":{"200":{"ok":true}}}`
	if string(got) != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if _, err := yamlToJSON([]byte("1: a\n\"1\": b\n")); err == nil {
		t.Fatal("a key that appears twice once converted must be an error")
	}
}

// TestOpenAPIDocumentsAccessFailures: every operation that needs
// credentials documents 401 and 403 (404 where a refusal is answered as a
// missing id) and 429 (changes and reads are limited), and public
// routes say so with an empty security list, so generated clients know
// which calls may be refused and why.
func TestOpenAPIDocumentsAccessFailures(t *testing.T) {
	for path, item := range servedDocument(t).Paths.Map() {
		for method, op := range item.Operations() {
			route := method + " " + path
			rule, ok := routeRules[method+" "+openAPIParam.ReplaceAllString(path, ":$1")]
			if !ok {
				t.Errorf("%s has no access rule", route)
				continue
			}
			if rule.scope == public {
				if op.Security == nil || len(*op.Security) != 0 {
					t.Errorf("%s is public but does not say security: []", route)
				}
				continue
			}
			want := []string{"401", "403", "429"}
			if refusedAsMissing[method+" "+openAPIParam.ReplaceAllString(path, ":$1")] {
				want = []string{"401", "404", "429"}
			}
			for _, code := range want {
				if op.Responses.Value(code) == nil {
					t.Errorf("%s does not document %s", route, code)
				}
			}
		}
	}
}

var openAPIParam = regexp.MustCompile(`\{([A-Za-z0-9_]+)\}`)
