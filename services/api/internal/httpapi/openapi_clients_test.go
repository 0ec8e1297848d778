package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"slipway.dev/pkg/client"
)

// The contract between the API and its clients: every route of the document
// is a route of each client, with every query and header parameter, and
// every field of its request body and JSON answers (and of the problem
// answers) is a field of the client's types. A route or field the API gains
// fails TestClientsCoverTheDocument until each client has it.
//
// A client states what it sends and decodes as a contract (below): the Go
// client from client.Routes() and its types by reflection; the Python SDK
// (clients/python) prints its own with `python3 -m slipway.contract`, made
// from its route table and its dataclasses' type hints.

// contract is what a client declares: its routes and its problem type.
type contract struct {
	Routes  []contractRoute `json:"routes"`
	Problem *shape          `json:"problem"`
}

type contractRoute struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	// Params are the query and header parameters the client can send.
	Params  []string          `json:"params"`
	Request *shape            `json:"request"`
	Answers map[string]*shape `json:"answers"`
}

// shape is what a client declares of a JSON value: an object's fields, an
// array's items, a map's values; opaque when the client keeps the value as
// JSON (or a dict) of its own, as Go's json.RawMessage and any.
type shape struct {
	Fields map[string]*shape `json:"fields,omitempty"`
	Items  *shape            `json:"items,omitempty"`
	Values *shape            `json:"values,omitempty"`
	Opaque bool              `json:"opaque,omitempty"`
}

func TestClientsCoverTheDocument(t *testing.T) {
	doc := servedDocument(t)
	t.Run("go", func(t *testing.T) {
		for _, gap := range uncoveredBy(doc, goContract()) {
			t.Errorf("pkg/client: %s", gap)
		}
	})
	t.Run("python", func(t *testing.T) {
		for _, gap := range uncoveredBy(doc, pythonContract(t)) {
			t.Errorf("clients/python: %s", gap)
		}
	})
}

// TestTheContractFailsOnWhatTheAPIGains: a route, a parameter, a request
// field and an answer field added to a copy of the document are each
// reported for both clients.
func TestTheContractFailsOnWhatTheAPIGains(t *testing.T) {
	doc := servedDocument(t)
	grown := servedDocument(t)
	ops := grown.Paths.Find("/v1/promotions/{id}")
	grown.Paths.Set("/v1/promotions/{id}/cancel", &openapi3.PathItem{Post: ops.Get})
	op := grown.Paths.Find("/v1/projects/{owner}/{project}/deployments").Post
	op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: openapi3.NewQueryParameter("dryRun")})
	op.RequestBody.Value.Content["application/json"].Schema.Value.Properties["owner"] = openapi3.NewStringSchema().NewRef()
	grown.Components.Schemas["Rollout"].Value.Properties["canaryWeight"] = openapi3.NewIntegerSchema().NewRef()
	want := []string{
		"POST /v1/promotions/{id}/cancel: no method sends this route",
		"POST /v1/projects/{owner}/{project}/deployments: parameter dryRun",
		"POST /v1/projects/{owner}/{project}/deployments request.owner",
		"GET /v1/projects/{owner}/{project}/deployments/{name} 200.rollout.canaryWeight",
	}
	for name, c := range map[string]contract{"go": goContract(), "python": pythonContract(t)} {
		if gaps := uncoveredBy(doc, c); len(gaps) != 0 {
			t.Fatalf("%s: the served document is not covered: %q", name, gaps)
		}
		gaps := strings.Join(uncoveredBy(grown, c), "\n")
		for _, w := range want {
			if !strings.Contains(gaps, w) {
				t.Errorf("%s: the grown document's gaps do not mention %q:\n%s", name, w, gaps)
			}
		}
	}
}

// uncoveredBy lists what of doc the client c lacks.
func uncoveredBy(doc *openapi3.T, c contract) []string {
	var out []string
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			at := method + " " + path
			i := slices.IndexFunc(c.Routes, func(r contractRoute) bool { return r.Method == method && r.Path == path })
			if i < 0 {
				out = append(out, at+": no method sends this route")
				continue
			}
			out = append(out, uncoveredRoute(at, append(item.Parameters, op.Parameters...), op, c.Routes[i])...)
		}
	}
	out = append(out, uncovered(doc.Components.Schemas["Problem"].Value, c.Problem, "problem")...)
	slices.Sort(out)
	return out
}

func uncoveredRoute(at string, params openapi3.Parameters, op *openapi3.Operation, r contractRoute) []string {
	var out []string
	for _, p := range params {
		if p.Value.In == openapi3.ParameterInPath {
			continue
		}
		if !slices.ContainsFunc(r.Params, func(s string) bool { return strings.EqualFold(s, p.Value.Name) }) {
			out = append(out, fmt.Sprintf("%s: parameter %s (%s) is never sent", at, p.Value.Name, p.Value.In))
		}
	}
	if op.RequestBody != nil {
		if media := jsonMedia(op.RequestBody.Value.Content); media != nil {
			if r.Request == nil {
				out = append(out, at+": no request body is sent")
			} else {
				out = append(out, uncovered(media.Schema.Value, r.Request, at+" request")...)
			}
		}
	}
	for status, resp := range op.Responses.Map() {
		if !strings.HasPrefix(status, "2") || resp.Value == nil {
			continue
		}
		media := jsonMedia(resp.Value.Content)
		if media == nil || media.Schema == nil {
			continue
		}
		if a := r.Answers[status]; a == nil {
			out = append(out, fmt.Sprintf("%s: answer %s is not decoded", at, status))
		} else {
			out = append(out, uncovered(media.Schema.Value, a, at+" "+status)...)
		}
	}
	return out
}

// jsonMedia is a content's application/json (or merge patch) media type.
func jsonMedia(c openapi3.Content) *openapi3.MediaType {
	if m := c.Get("application/json"); m != nil {
		return m
	}
	return c.Get("application/merge-patch+json")
}

// uncovered lists the properties of s, at path at, that sh lacks, following
// items, additionalProperties and allOf/oneOf/anyOf branches.
func uncovered(s *openapi3.Schema, sh *shape, at string) []string {
	if s == nil || (sh != nil && sh.Opaque) {
		return nil
	}
	var out []string
	for _, b := range withBranches(s) {
		for name, p := range b.Properties {
			var f *shape
			if sh != nil {
				f = sh.Fields[name]
			}
			if f == nil {
				out = append(out, at+"."+name)
				continue
			}
			out = append(out, uncovered(p.Value, f, at+"."+name)...)
		}
		if b.Items != nil && sh != nil {
			out = append(out, uncovered(b.Items.Value, orEmpty(sh.Items), at+"[]")...)
		}
		if ap := b.AdditionalProperties.Schema; ap != nil && sh != nil {
			out = append(out, uncovered(ap.Value, orEmpty(sh.Values), at+"{}")...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func orEmpty(sh *shape) *shape {
	if sh == nil {
		return &shape{}
	}
	return sh
}

// goContract is the Go client's contract, read from client.Routes() and its
// types.
func goContract() contract {
	c := contract{Problem: shapeOf(reflect.TypeFor[client.ProblemError]())}
	for _, r := range client.Routes() {
		cr := contractRoute{Method: r.Method, Path: r.Path, Answers: map[string]*shape{}}
		if r.Options != nil {
			cr.Params = optionNames(reflect.TypeOf(r.Options))
		}
		if r.Request != nil {
			cr.Request = shapeOf(reflect.TypeOf(r.Request))
		}
		for status, a := range r.Answers {
			cr.Answers[strconv.Itoa(status)] = shapeOf(reflect.TypeOf(a))
		}
		c.Routes = append(c.Routes, cr)
	}
	return c
}

// optionNames are the query and header tags of an options struct.
func optionNames(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			out = append(out, optionNames(f.Type)...)
		}
		for _, tag := range []string{"query", "header"} {
			if name := f.Tag.Get(tag); name != "" {
				out = append(out, name)
			}
		}
	}
	return out
}

// shapeOf is what Go type t declares of a JSON value.
func shapeOf(t reflect.Type) *shape {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == reflect.TypeFor[json.RawMessage]() || t.Kind() == reflect.Interface:
		return &shape{Opaque: true}
	case t == reflect.TypeFor[time.Time]():
		return &shape{}
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return &shape{Items: shapeOf(t.Elem())}
	case reflect.Map:
		return &shape{Values: shapeOf(t.Elem())}
	case reflect.Struct:
		s := &shape{Fields: map[string]*shape{}}
		for name, ft := range jsonFields(t) {
			s.Fields[name] = shapeOf(ft)
		}
		return s
	}
	return &shape{}
}

// pythonContract runs the Python SDK's contract export with Debian's
// python3 (skipped without one, unless SLIPWAY_PYTHON_REQUIRED is set).
func pythonContract(t *testing.T) contract {
	t.Helper()
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		if os.Getenv("SLIPWAY_PYTHON_REQUIRED") != "" {
			t.Fatalf("SLIPWAY_PYTHON_REQUIRED is set and %s is missing", python)
		}
		t.Skipf("%s is missing: the Python SDK's contract is not checked (install python3)", python)
	}
	sdk, err := filepath.Abs(filepath.Join("..", "..", "..", "..", "clients", "python"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), python, "-m", "slipway.contract")
	cmd.Env = append(os.Environ(), "PYTHONPATH="+sdk, "PYTHONDONTWRITEBYTECODE=1")
	out, err := cmd.Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		t.Fatalf("python3 -m slipway.contract: %v\n%s", err, exit.Stderr)
	} else if err != nil {
		t.Fatal(err)
	}
	var c contract
	if err := json.Unmarshal(out, &c); err != nil {
		t.Fatalf("the Python SDK's contract is not JSON: %v\n%s", err, out)
	}
	if len(c.Routes) == 0 {
		t.Fatalf("the Python SDK declares no routes:\n%s", out)
	}
	return c
}
