// Package openapicheck checks a test's traffic with Slipway's API against the
// OpenAPI document the API serves (GET /v1/openapi.json):
//
//   - every response: its status must be declared for the operation, and its
//     headers, Content-Type and body must match that response;
//   - the request too when the API accepted it (2xx or 3xx): a refused
//     request may break the schema, which is why it was refused;
//   - object schemas are closed: a member of a request or response body
//     that its schema does not declare is an error, unless the schema says
//     additionalProperties (a map);
//   - a request to no documented route must be answered with a 404 or 405
//     problem.
//
// Attach it to a client once; every Do is then checked:
//
//	api := openapicheck.Attach(apitest.New(url))
package openapicheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"slipway.dev/testsupport/apitest"
)

// DocumentPath is where the API serves its document.
const DocumentPath = "/v1/openapi.json"

// Attach makes c check all its traffic against the document served by the
// API at c.BaseURL, and returns c.
func Attach(c *apitest.Client) *apitest.Client {
	return c.ValidateWith(New(c.BaseURL).Check)
}

// Checker checks exchanges against one API's document. It loads the
// document at the first check, so it can be made before the API answers.
type Checker struct {
	baseURL string
	token   string // bearer token to fetch the document with

	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

// New returns a Checker for the API at baseURL.
func New(baseURL string) *Checker { return &Checker{baseURL: baseURL} }

// WithToken makes the Checker fetch the document with token, for an API
// that requires authentication, and returns it.
func (c *Checker) WithToken(token string) *Checker {
	c.token = token
	return c
}

// Check reports through t how the exchange breaks the document; it has the
// signature of [apitest.Validator].
func (c *Checker) Check(t testing.TB, req *http.Request, body []byte, resp apitest.Response) {
	t.Helper()
	c.once.Do(c.load)
	if c.err != nil {
		t.Errorf("openapicheck: %v", c.err)
		return
	}
	if err := c.check(req, body, resp); err != nil {
		t.Errorf("openapicheck: %s %s answered %d, which the OpenAPI document does not allow:\n%v\nresponse: %s",
			req.Method, req.URL.RequestURI(), resp.Status, err, excerpt(resp.Body))
	}
}

func (c *Checker) check(req *http.Request, body []byte, resp apitest.Response) error {
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		return c.checkUnrouted(req, err, resp)
	}
	if route.Operation.Responses.Status(resp.Status) == nil && route.Operation.Responses.Default() == nil {
		return fmt.Errorf("status %d is not declared for %s %s", resp.Status, route.Method, route.Path)
	}
	in := &openapi3filter.RequestValidationInput{
		Request:    withBody(req, body),
		PathParams: params,
		Route:      route,
		Options:    &openapi3filter.Options{MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	var errs []error
	if resp.Status >= 200 && resp.Status < 400 {
		if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
			errs = append(errs, fmt.Errorf("the request was accepted but breaks the document: %w", err))
		}
		if rb := route.Operation.RequestBody; rb != nil && rb.Value != nil {
			if err := undeclaredIn(rb.Value.Content, req.Header.Get("Content-Type"), body); err != nil {
				errs = append(errs, fmt.Errorf("the request was accepted but has %w", err))
			}
		}
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 resp.Status,
		Header:                 resp.Header,
		Options:                &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	out.SetBodyBytes(resp.Body)
	if err := openapi3filter.ValidateResponse(req.Context(), out); err != nil {
		errs = append(errs, fmt.Errorf("the response breaks the document: %w", err))
	}
	declared := route.Operation.Responses.Status(resp.Status)
	if declared == nil {
		declared = route.Operation.Responses.Default()
	}
	if declared != nil && len(declared.Value.Content) == 0 && len(resp.Body) > 0 {
		errs = append(errs, fmt.Errorf("status %d declares no body, but the response has %d bytes", resp.Status, len(resp.Body)))
	}
	if declared != nil {
		if err := undeclaredIn(declared.Value.Content, resp.Header.Get("Content-Type"), resp.Body); err != nil {
			errs = append(errs, fmt.Errorf("the response has %w", err))
		}
	}
	return errors.Join(errs...)
}

// load fetches, parses and validates the served document.
func (c *Checker) load() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL+DocumentPath, nil)
	if err != nil {
		c.err = err
		return
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.err = fmt.Errorf("fetch the document: %w", err)
		return
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %d: %s", resp.StatusCode, excerpt(data))
	}
	if err != nil {
		c.err = fmt.Errorf("fetch the document: %w", err)
		return
	}
	if c.doc, err = openapi3.NewLoader().LoadFromData(data); err != nil {
		c.err = fmt.Errorf("load the document: %w", err)
		return
	}
	if err := c.doc.Validate(ctx); err != nil {
		c.err = fmt.Errorf("the document is not valid: %w", err)
		return
	}
	if c.router, err = legacy.NewRouter(c.doc); err != nil {
		c.err = fmt.Errorf("route the document: %w", err)
	}
}
