package httpapi

import "slipway.dev/services/api/internal/access"

// scope says where a route's required role is checked.
type scope int

const (
	// public routes need no credentials.
	public scope = iota
	// project routes need the role on the path's owner/project.
	project
	// global routes need a global admin.
	global
	// signedIn routes need any valid identity; the handler narrows what it
	// shows or checks the role once it knows the project (operations,
	// promotions, webhooks, tokens).
	signedIn
)

type rule struct {
	scope  scope
	role   access.Role
	action string
}

// routeRules is the one table of who may call what, by method and route.
// A route missing here is refused (a test checks every route is listed).
var routeRules = map[string]rule{
	"GET /healthz": {scope: public},
	"GET /readyz":  {scope: public},
	"GET /metrics": {scope: public}, // signedIn when Deps.MetricsNeedAuth

	"GET /v1/openapi.json": {scope: signedIn},
	"GET /v1/whoami":       {scope: signedIn},

	"POST /v1/projects/:owner/:project/deployments":                           {project, access.Admin, "create a deployment"},
	"GET /v1/projects/:owner/:project/deployments/:name":                      {project, access.Viewer, "read a deployment"},
	"PATCH /v1/projects/:owner/:project/deployments/:name":                    {project, access.Deployer, "update a deployment"},
	"DELETE /v1/projects/:owner/:project/deployments/:name":                   {project, access.Admin, "terminate a deployment"},
	"POST /v1/projects/:owner/:project/deployments/:name/rollback":            {project, access.Deployer, "roll back a deployment"},
	"POST /v1/projects/:owner/:project/deployments/:name/rollout/:action":     {project, access.Deployer, "pause, resume, abort or promote a rollout"},
	"PUT /v1/projects/:owner/:project/deployments/:name/aliases/:alias":       {project, access.Deployer, "move an alias"},
	"DELETE /v1/projects/:owner/:project/deployments/:name/aliases/:alias":    {project, access.Deployer, "delete an alias"},
	"GET /v1/projects/:owner/:project/deployments/:name/revisions":            {project, access.Viewer, "read revisions"},
	"GET /v1/projects/:owner/:project/deployments/:name/revisions/:n":         {project, access.Viewer, "read a revision"},
	"GET /v1/projects/:owner/:project/deployments/:name/revisions/:n/diff/:m": {project, access.Viewer, "diff revisions"},
	"GET /v1/deployments":           {scope: signedIn, action: "list deployments"},
	"GET /v1/operations/:id":        {scope: signedIn, action: "read an operation"},
	"POST /v1/promotions":           {scope: signedIn, action: "promote"},
	"GET /v1/promotions/:id":        {scope: signedIn, action: "read a promotion"},
	"POST /v1/promotions/:id/apply": {scope: signedIn, action: "apply a promotion"},
	"GET /v1/events":                {scope: signedIn, action: "stream events"},
	"GET /v1/audit":                 {scope: signedIn, action: "read the audit log"},
	"GET /v1/targets":               {scope: signedIn, action: "list targets"},
	"GET /v1/targets/:target":       {scope: signedIn, action: "read a target"},
	"PUT /v1/targets/:target":       {global, access.GlobalAdmin, "register a target"},
	"DELETE /v1/targets/:target":    {global, access.GlobalAdmin, "remove a target"},

	"POST /v1/webhooks":                                      {scope: signedIn, action: "create a webhook"},
	"GET /v1/webhooks":                                       {scope: signedIn, action: "list webhooks"},
	"GET /v1/webhooks/:id":                                   {scope: signedIn, action: "read a webhook"},
	"DELETE /v1/webhooks/:id":                                {scope: signedIn, action: "delete a webhook"},
	"GET /v1/webhooks/:id/deliveries":                        {scope: signedIn, action: "read webhook deliveries"},
	"POST /v1/webhooks/:id/deliveries/:deliveryId/redeliver": {scope: signedIn, action: "redeliver a webhook"},

	"POST /v1/tokens":       {scope: signedIn, action: "create an API token"},
	"GET /v1/tokens":        {scope: signedIn, action: "list API tokens"},
	"GET /v1/tokens/:id":    {scope: signedIn, action: "read an API token"},
	"DELETE /v1/tokens/:id": {scope: signedIn, action: "revoke an API token"},
}
