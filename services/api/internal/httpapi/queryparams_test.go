package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/labstack/echo/v4"
)

var routeParam = regexp.MustCompile(`:[A-Za-z]+`)

// TestEveryRouteRefusesAnUnknownQueryParameter walks every route with a
// parameter no route declares: each answers 400 naming it, before its
// handler runs. Every route is in the document, and what it declares passes.
func TestEveryRouteRefusesAnUnknownQueryParameter(t *testing.T) {
	api := New(Deps{Logger: slog.New(slog.DiscardHandler)})
	// declared answers 204 past the check: every route is added before the
	// first request, as echo sizes its contexts for the most path parameters.
	declared := echo.New()
	declared.Use(knownQueries)
	for _, r := range api.Routes() {
		declared.Add(r.Method, r.Path, func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	}
	for _, r := range api.Routes() {
		key := r.Method + " " + r.Path
		known, ok := routeQueries[key]
		if !ok {
			t.Errorf("route %s is not in openapi.yaml", key)
			continue
		}
		path := routeParam.ReplaceAllString(r.Path, "1")
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, httptest.NewRequest(r.Method, path+"?since=2026-01-01", nil))
		var p Problem
		_ = json.Unmarshal(rec.Body.Bytes(), &p)
		if rec.Code != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Field != "since" {
			t.Errorf("%s ?since=: %d %s, want 400 naming since", key, rec.Code, rec.Body)
		}
		for name := range known {
			rec := httptest.NewRecorder()
			declared.ServeHTTP(rec, httptest.NewRequest(r.Method, path+"?"+name+"=1", nil))
			if rec.Code != http.StatusNoContent {
				t.Errorf("%s ?%s= (declared): %d %s", key, name, rec.Code, rec.Body)
			}
		}
	}
}
