package client

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Route is one operation of the API, named as /v1/openapi.json names it.
// Options, Request and the values of Answers are zero values of the Go
// types the client sends and decodes: tools (and the API's contract test)
// compare them with the document.
type Route struct {
	Method, Path string
	// Options is the struct whose `query` and `header` tags are the
	// parameters the client sends (nil: none).
	Options any
	// Request is the JSON body's type (nil: no JSON body).
	Request any
	// Answers are the JSON answers' types by status (a route answering
	// something else, like text, has none).
	Answers map[int]any
}

// mutates reports whether the route changes something, so its requests
// carry an Idempotency-Key.
func (r *Route) mutates() bool {
	return r.Method != http.MethodGet && r.Method != http.MethodHead
}

// expand fills the path's {parameters} with params, escaped, in order.
func (r *Route) expand(params []string) (string, error) {
	var b strings.Builder
	rest := r.Path
	for i := 0; ; i++ {
		start := strings.IndexByte(rest, '{')
		if start < 0 {
			if i != len(params) {
				return "", fmt.Errorf("%s %s takes %d path parameters, not %d", r.Method, r.Path, i, len(params))
			}
			b.WriteString(rest)
			return b.String(), nil
		}
		end := strings.IndexByte(rest, '}')
		if i >= len(params) {
			return "", fmt.Errorf("%s %s: no value for %s", r.Method, r.Path, rest[start:end+1])
		}
		if params[i] == "" {
			return "", fmt.Errorf("%s %s: %s is empty", r.Method, r.Path, rest[start:end+1])
		}
		b.WriteString(rest[:start])
		b.WriteString(url.PathEscape(params[i]))
		rest = rest[end+1:]
	}
}

// encodeOptions adds the fields of the struct v tagged `query:"name"` to q
// and those tagged `header:"Name"` to h, leaving zero values out. Embedded
// structs' fields count as the struct's own.
func encodeOptions(v any, q url.Values, h http.Header) {
	encodeValue(reflect.Indirect(reflect.ValueOf(v)), q, h)
}

func encodeValue(rv reflect.Value, q url.Values, h http.Header) {
	for i := range rv.NumField() {
		f, fv := rv.Type().Field(i), rv.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			encodeValue(fv, q, h)
			continue
		}
		if fv.IsZero() {
			continue
		}
		if name := f.Tag.Get("query"); name != "" {
			for _, s := range optionText(fv) {
				q.Add(name, s)
			}
		}
		if name := f.Tag.Get("header"); name != "" {
			h.Set(name, optionText(fv)[0])
		}
	}
}

// optionText is a parameter's text: read by kind, since the fields of an
// unexported embedded struct cannot be turned into interfaces.
func optionText(v reflect.Value) []string {
	switch {
	case v.Type() == reflect.TypeFor[time.Duration]():
		return []string{time.Duration(v.Int()).String()}
	case v.Kind() == reflect.Slice:
		out := make([]string, v.Len())
		for i := range out {
			out[i] = v.Index(i).String()
		}
		return out
	case v.Kind() == reflect.Bool:
		return []string{strconv.FormatBool(v.Bool())}
	case v.Kind() == reflect.Int:
		return []string{strconv.FormatInt(v.Int(), 10)}
	}
	return []string{v.String()}
}

// Routes returns every route of the API the client has, as
// /v1/openapi.json names them.
func Routes() []Route {
	out := make([]Route, len(routes))
	for i, r := range routes {
		out[i] = *r
	}
	return out
}

const (
	deploymentsPath = "/v1/projects/{owner}/{project}/deployments"
	deploymentPath  = deploymentsPath + "/{name}"
)

func route(method, path string, options, request any, answers map[int]any) *Route {
	r := &Route{Method: method, Path: path, Options: options, Request: request, Answers: answers}
	routes = append(routes, r)
	return r
}

// commandAnswers: a command answers its operation, ended (200) or not (202).
var commandAnswers = map[int]any{http.StatusOK: Operation{}, http.StatusAccepted: Operation{}}

var routes []*Route

var (
	routeHealthz = route(http.MethodGet, "/healthz", nil, nil, map[int]any{200: Status{}})
	routeReadyz  = route(http.MethodGet, "/readyz", nil, nil, map[int]any{200: Status{}})
	routeMetrics = route(http.MethodGet, "/metrics", nil, nil, nil)
	routeOpenAPI = route(http.MethodGet, "/v1/openapi.json", nil, nil, map[int]any{200: json.RawMessage(nil)})
	routeWhoami  = route(http.MethodGet, "/v1/whoami", nil, nil, map[int]any{200: Whoami{}})

	routeCreateToken = route(http.MethodPost, "/v1/tokens", nil, CreateTokenRequest{}, map[int]any{201: CreatedToken{}})
	routeListTokens  = route(http.MethodGet, "/v1/tokens", nil, nil, map[int]any{200: Page[Token]{}})
	routeGetToken    = route(http.MethodGet, "/v1/tokens/{id}", nil, nil, map[int]any{200: Token{}})
	routeRevokeToken = route(http.MethodDelete, "/v1/tokens/{id}", nil, nil, map[int]any{200: Token{}})

	routeCreateDeployment = route(http.MethodPost, deploymentsPath, CommandOptions{}, CreateDeploymentRequest{}, commandAnswers)
	routeGetDeployment    = route(http.MethodGet, deploymentPath, GetOptions{}, nil, map[int]any{200: Deployment{}})
	routeUpdateDeployment = route(http.MethodPatch, deploymentPath, CommandOptions{}, UpdateDeploymentRequest{}, commandAnswers)
	routeDeleteDeployment = route(http.MethodDelete, deploymentPath, deleteOptions{}, nil, commandAnswers)
	routeRollback         = route(http.MethodPost, deploymentPath+"/rollback", CommandOptions{}, RollbackRequest{}, commandAnswers)
	routeControlRollout   = route(http.MethodPost, deploymentPath+"/rollout/{action}", CommandOptions{}, RolloutControlRequest{}, commandAnswers)
	routeSetAlias         = route(http.MethodPut, deploymentPath+"/aliases/{alias}", CommandOptions{}, SetAliasRequest{}, commandAnswers)
	routeDeleteAlias      = route(http.MethodDelete, deploymentPath+"/aliases/{alias}", CommandOptions{}, nil, commandAnswers)
	routeListRevisions    = route(http.MethodGet, deploymentPath+"/revisions", PageOptions{}, nil, map[int]any{200: Page[Revision]{}})
	routeGetRevision      = route(http.MethodGet, deploymentPath+"/revisions/{n}", nil, nil, map[int]any{200: Revision{}})
	routeDiffRevisions    = route(http.MethodGet, deploymentPath+"/revisions/{n}/diff/{m}", nil, nil, map[int]any{200: Diff{}})
	routeListDeployments  = route(http.MethodGet, "/v1/deployments", DeploymentQuery{}, nil, map[int]any{200: Page[Deployment]{}})

	routeGetOperation = route(http.MethodGet, "/v1/operations/{id}", waitOptions{}, nil, map[int]any{200: Operation{}, 202: Operation{}})

	routeCreatePromotion = route(http.MethodPost, "/v1/promotions", CommandOptions{}, PromotionRequest{}, promotionAnswers)
	routeGetPromotion    = route(http.MethodGet, "/v1/promotions/{id}", nil, nil, map[int]any{200: Promotion{}})
	routeApplyPromotion  = route(http.MethodPost, "/v1/promotions/{id}/apply", CommandOptions{}, nil, promotionAnswers)

	routeEvents = route(http.MethodGet, "/v1/events", streamOptions{}, nil, nil)
	routeAudit  = route(http.MethodGet, "/v1/audit", AuditQuery{}, nil, map[int]any{200: Page[Operation]{}})

	routeListTargets  = route(http.MethodGet, "/v1/targets", nil, nil, map[int]any{200: Page[Target]{}})
	routeGetTarget    = route(http.MethodGet, "/v1/targets/{target}", nil, nil, map[int]any{200: Target{}})
	routePutTarget    = route(http.MethodPut, "/v1/targets/{target}", CommandOptions{}, TargetRegistration{}, commandAnswers)
	routeDeleteTarget = route(http.MethodDelete, "/v1/targets/{target}", CommandOptions{}, nil, commandAnswers)

	routeCreateWebhook  = route(http.MethodPost, "/v1/webhooks", nil, CreateWebhookRequest{}, map[int]any{201: CreatedWebhook{}})
	routeListWebhooks   = route(http.MethodGet, "/v1/webhooks", nil, nil, map[int]any{200: Page[Webhook]{}})
	routeGetWebhook     = route(http.MethodGet, "/v1/webhooks/{id}", nil, nil, map[int]any{200: Webhook{}})
	routeDeleteWebhook  = route(http.MethodDelete, "/v1/webhooks/{id}", nil, nil, nil)
	routeListDeliveries = route(http.MethodGet, "/v1/webhooks/{id}/deliveries", DeliveryQuery{}, nil, map[int]any{200: Page[WebhookDelivery]{}})
	routeRedeliver      = route(http.MethodPost, "/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver", nil, nil, map[int]any{202: WebhookDelivery{}})
)

// promotionAnswers: the promotion once its operation ended, else the operation.
var promotionAnswers = map[int]any{http.StatusOK: Promotion{}, http.StatusAccepted: Operation{}}
