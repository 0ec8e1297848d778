package openapicheck

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"slipway.dev/testsupport/apitest"
)

// checkUnrouted accepts only a problem answering a path (404) or a method
// (405) the document does not have.
func (c *Checker) checkUnrouted(req *http.Request, routeErr error, resp apitest.Response) error {
	var re *routers.RouteError
	if !errors.As(routeErr, &re) {
		return fmt.Errorf("find the route: %w", routeErr)
	}
	want := http.StatusNotFound
	if c.pathDocumented(req) {
		want = http.StatusMethodNotAllowed
	}
	if resp.Status != want {
		return fmt.Errorf("no documented operation (%v), so the answer must be %d, not %d", re, want, resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		return fmt.Errorf("no documented operation: the answer must be application/problem+json, not %q", ct)
	}
	problem := c.doc.Components.Schemas["Problem"]
	if problem == nil {
		return errors.New("the document has no Problem schema")
	}
	v, err := decodeJSON(resp.Body)
	if err != nil {
		return err
	}
	if err := problem.Value.VisitJSON(v, openapi3.MultiErrors()); err != nil {
		return fmt.Errorf("the problem breaks the Problem schema: %w", err)
	}
	if err := undeclaredBy(problem.Value, v); err != nil {
		return fmt.Errorf("the problem has %w", err)
	}
	return nil
}

// pathDocumented reports whether the document has the request's path with
// any method.
func (c *Checker) pathDocumented(req *http.Request) bool {
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodHead, http.MethodOptions, http.MethodTrace} {
		other := req.Clone(req.Context())
		other.Method = method
		if _, _, err := c.router.FindRoute(other); err == nil {
			return true
		}
	}
	return false
}
