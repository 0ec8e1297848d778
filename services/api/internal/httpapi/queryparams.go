package httpapi

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"slipway.dev/pkg/events"
)

// routeQueries maps "<METHOD> <echo route>" to the query parameters the
// route's operation declares in openapi.yaml: the document is the one list
// of what each route takes. A test holds every registered route to it.
var routeQueries = mustRouteQueries(openapiJSON)

// knownQueries refuses a query parameter the route does not declare (400,
// naming it), so a misspelt or unsupported filter (/v1/audit?since=…) is not
// silently ignored to answer everything. Unmatched requests pass: echo
// answers them 404 or 405.
func knownQueries(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		known, ok := routeQueries[req.Method+" "+c.Path()]
		if !ok {
			return next(c)
		}
		var fe events.FieldErrors
		for name := range req.URL.Query() {
			if !known[name] {
				fe = append(fe, events.FieldError{Field: name, Message: "is not a query parameter of this route" + takes(known)})
			}
		}
		if len(fe) == 0 {
			return next(c)
		}
		slices.SortFunc(fe, func(a, b events.FieldError) int { return strings.Compare(a.Field, b.Field) })
		return &refusal{kind: errBadParam, detail: fmt.Sprintf("unknown query parameter %s", fieldNames(fe)), fields: fe}
	}
}

func takes(known map[string]bool) string {
	if len(known) == 0 {
		return " (it takes none)"
	}
	names := make([]string, 0, len(known))
	for n := range known {
		names = append(names, n)
	}
	slices.Sort(names)
	return " (it takes " + strings.Join(names, ", ") + ")"
}

func fieldNames(fe events.FieldErrors) string {
	names := make([]string, len(fe))
	for i, e := range fe {
		names[i] = e.Field
	}
	return strings.Join(names, ", ")
}

// openapiParameter is a parameter of the document, or a reference to one.
type openapiParameter struct {
	Ref  string `json:"$ref"`
	Name string `json:"name"`
	In   string `json:"in"`
}

// mustRouteQueries reads the query parameters of every operation of the
// document, with those of its path, references resolved.
func mustRouteQueries(doc []byte) map[string]map[string]bool {
	var d struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Parameters map[string]openapiParameter `json:"parameters"`
		} `json:"components"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		panic("httpapi: openapi.yaml: " + err.Error())
	}
	resolve := func(p openapiParameter) openapiParameter {
		if name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/"); ok {
			return d.Components.Parameters[name]
		}
		return p
	}
	out := map[string]map[string]bool{}
	for path, item := range d.Paths {
		var shared []openapiParameter
		if raw, ok := item["parameters"]; ok {
			mustDecode(raw, &shared)
		}
		for method, raw := range item {
			if method == "parameters" || method == "summary" || method == "description" {
				continue
			}
			var op struct {
				Parameters []openapiParameter `json:"parameters"`
			}
			mustDecode(raw, &op)
			known := map[string]bool{}
			for _, p := range append(slices.Clone(shared), op.Parameters...) {
				if p = resolve(p); p.In == "query" {
					known[p.Name] = true
				}
			}
			out[strings.ToUpper(method)+" "+echoRoute(path)] = known
		}
	}
	return out
}

func mustDecode(raw json.RawMessage, v any) {
	if err := json.Unmarshal(raw, v); err != nil {
		panic("httpapi: openapi.yaml: " + err.Error())
	}
}

// echoRoute turns an OpenAPI path (/a/{b}) into echo's route (/a/:b).
func echoRoute(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			parts[i] = ":" + p[1:len(p)-1]
		}
	}
	return strings.Join(parts, "/")
}
