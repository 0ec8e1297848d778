package cli_test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	api "slipway.dev/services/api"
)

// routeCommands maps every route of the API's OpenAPI document to the CLI
// command that calls it. The routes that are not user operations (probes,
// metrics, the document itself) map to why they have none.
var routeCommands = map[string]string{
	"GET /healthz":           "-probe",
	"GET /readyz":            "-probe",
	"GET /metrics":           "-scraped by Prometheus",
	"GET /v1/openapi.json":   "-read by tools",
	"GET /v1/whoami":         "whoami",
	"POST /v1/tokens":        "tokens create",
	"GET /v1/tokens":         "tokens list",
	"GET /v1/tokens/{id}":    "tokens get",
	"DELETE /v1/tokens/{id}": "tokens revoke",

	"POST /v1/projects/{owner}/{project}/deployments":                              "deployments create",
	"GET /v1/projects/{owner}/{project}/deployments/{name}":                        "deployments get",
	"PATCH /v1/projects/{owner}/{project}/deployments/{name}":                      "deployments update",
	"DELETE /v1/projects/{owner}/{project}/deployments/{name}":                     "deployments delete",
	"POST /v1/projects/{owner}/{project}/deployments/{name}/rollback":              "rollback",
	"POST /v1/projects/{owner}/{project}/deployments/{name}/rollout/{action}":      "rollout pause",
	"PUT /v1/projects/{owner}/{project}/deployments/{name}/aliases/{alias}":        "aliases set",
	"DELETE /v1/projects/{owner}/{project}/deployments/{name}/aliases/{alias}":     "aliases delete",
	"GET /v1/projects/{owner}/{project}/deployments/{name}/revisions":              "revisions list",
	"GET /v1/projects/{owner}/{project}/deployments/{name}/revisions/{n}":          "revisions get",
	"GET /v1/projects/{owner}/{project}/deployments/{name}/revisions/{n}/diff/{m}": "revisions diff",
	"GET /v1/deployments":              "deployments list",
	"GET /v1/operations/{id}":          "operations get",
	"POST /v1/promotions":              "promotions create",
	"GET /v1/promotions/{id}":          "promotions get",
	"POST /v1/promotions/{id}/apply":   "promotions apply",
	"GET /v1/events":                   "events",
	"GET /v1/audit":                    "audit",
	"GET /v1/targets":                  "targets list",
	"GET /v1/targets/{target}":         "targets get",
	"PUT /v1/targets/{target}":         "targets register",
	"DELETE /v1/targets/{target}":      "targets delete",
	"POST /v1/webhooks":                "webhooks create",
	"GET /v1/webhooks":                 "webhooks list",
	"GET /v1/webhooks/{id}":            "webhooks get",
	"DELETE /v1/webhooks/{id}":         "webhooks delete",
	"GET /v1/webhooks/{id}/deliveries": "webhooks deliveries",
	"POST /v1/webhooks/{id}/deliveries/{deliveryId}/redeliver": "webhooks redeliver",
}

// documentRoutes lists "METHOD /path" of every operation of the document.
func documentRoutes(t *testing.T) []string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(api.OpenAPIDocument(), &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for path, item := range doc.Paths {
		for method := range item {
			switch method {
			case "get", "put", "post", "patch", "delete", "head", "options", "trace":
				out = append(out, strings.ToUpper(method)+" "+path)
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestEveryRouteHasACommand walks the routes of the document the API serves:
// each must be in routeCommands, each command there must exist, and the
// table must not name routes the API no longer has.
func TestEveryRouteHasACommand(t *testing.T) {
	routes := documentRoutes(t)
	if len(routes) < 30 {
		t.Fatalf("the document has %d routes; is it the API's?", len(routes))
	}
	rn := &runner{server: "http://127.0.0.1:1", env: map[string]string{}}
	inDoc := map[string]bool{}
	for _, route := range routes {
		inDoc[route] = true
		cmd, ok := routeCommands[route]
		switch {
		case !ok:
			t.Errorf("%s has no CLI command: add one and map it in routeCommands", route)
		case strings.HasPrefix(cmd, "-"):
		default:
			res := rn.run(t, append([]string{"help"}, strings.Fields(cmd)...)...)
			if res.code != 0 || !strings.HasPrefix(res.stdout, "Usage: slipway "+cmd+" ") {
				t.Errorf("%s maps to %q, which is not a CLI command (exit %d): %s%s", route, cmd, res.code, res.stdout, res.stderr)
			}
		}
	}
	for route := range routeCommands {
		if !inDoc[route] {
			t.Errorf("routeCommands maps %s, which the document does not have", route)
		}
	}
}
