package httpapi

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/access"
	"slipway.dev/services/api/internal/webhooks"
)

// TestOpenAPISchemasDeclareEveryField: every JSON field of the types the
// API answers with is a property of its schema, nested types too. The
// integration tests check the bodies they see (openapicheck reads object
// schemas as closed); this sees the fields they may never meet, such as
// omitempty ones.
func TestOpenAPISchemasDeclareEveryField(t *testing.T) {
	doc := servedDocument(t)
	for name, v := range map[string]any{
		"Deployment":        fleetItem{},
		"DeploymentSummary": summaryItem{},
		"Operation":         operation{},
		"Revision":          revision{},
		"Promotion":         promotionView{},
		"Problem":           Problem{},
		"Target":            events.TargetRecord{},
		"Token":             access.Token{},
		"CreatedToken":      createdToken{},
		"Webhook":           webhooks.Subscription{},
		"CreatedWebhook":    webhooks.Created{},
		"WebhookDelivery":   webhooks.Delivery{},
	} {
		s := doc.Components.Schemas[name]
		if s == nil {
			t.Errorf("openapi.yaml has no schema %s", name)
			continue
		}
		for _, f := range undeclaredFields(reflect.TypeOf(v), s.Value, name) {
			if !slices.Contains(neverAnswered, f) {
				t.Errorf("%s is not in openapi.yaml", f)
			}
		}
	}
	principal := doc.Components.Schemas["Whoami"].Value.Properties["principal"].Value
	for _, f := range undeclaredFields(reflect.TypeFor[access.Principal](), principal, "Whoami.principal") {
		t.Errorf("%s is not in openapi.yaml", f)
	}
}

// TestOpenAPIRequestSchemasDeclareEveryField: every JSON field the API
// decodes from a request body is a property of the body's schema, so no
// field the API takes is missing from the document.
func TestOpenAPIRequestSchemasDeclareEveryField(t *testing.T) {
	doc := servedDocument(t)
	const deployment = "/v1/projects/{owner}/{project}/deployments/{name}"
	for route, v := range map[string]any{
		"POST /v1/projects/{owner}/{project}/deployments": createRequest{},
		"PATCH " + deployment:                             updateRequest{},
		"POST " + deployment + "/rollback":                rollbackRequest{},
		"POST " + deployment + "/rollout/{action}":        controlRequest{},
		"PUT " + deployment + "/aliases/{alias}":          aliasRequest{},
		"POST /v1/promotions":                             promotionRequest{},
		"PUT /v1/targets/{target}":                        targetRequest{},
		"POST /v1/tokens":                                 tokenRequest{},
		"POST /v1/webhooks":                               webhooks.CreateRequest{},
	} {
		method, path, _ := strings.Cut(route, " ")
		item := doc.Paths.Find(path)
		if item == nil || item.GetOperation(method) == nil || item.GetOperation(method).RequestBody == nil {
			t.Errorf("openapi.yaml has no request body for %s", route)
			continue
		}
		for mt, media := range item.GetOperation(method).RequestBody.Value.Content {
			for _, f := range undeclaredFields(reflect.TypeOf(v), media.Schema.Value, route+" "+mt) {
				t.Errorf("%s is not in openapi.yaml", f)
			}
		}
	}
}

// neverAnswered are fields the API clears before it answers.
var neverAnswered = []string{
	"Token.hash", "CreatedToken.hash", // Token.Public
}

// undeclaredFields returns the JSON fields of t, at path at, that s does
// not declare, following structs, pointers, slices and maps into the
// schemas of their fields, items and additionalProperties.
func undeclaredFields(t reflect.Type, s *openapi3.Schema, at string) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if s == nil || t == reflect.TypeFor[time.Time]() {
		return nil
	}
	var out []string
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() != reflect.Uint8 {
			for _, s := range withBranches(s) {
				if s.Items != nil {
					out = append(out, undeclaredFields(t.Elem(), s.Items.Value, at+"[]")...)
				}
			}
		}
	case reflect.Map:
		for _, s := range withBranches(s) {
			if s.AdditionalProperties.Schema != nil {
				out = append(out, undeclaredFields(t.Elem(), s.AdditionalProperties.Schema.Value, at+"{}")...)
			}
		}
	case reflect.Struct:
		for name, ft := range jsonFields(t) {
			found := false
			for _, s := range withBranches(s) {
				if p := s.Properties[name]; p != nil {
					found = true
					out = append(out, undeclaredFields(ft, p.Value, at+"."+name)...)
				}
			}
			if !found {
				out = append(out, at+"."+name)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// withBranches is s and the schemas of its allOf, oneOf and anyOf, recursively.
func withBranches(s *openapi3.Schema) []*openapi3.Schema {
	out := []*openapi3.Schema{s}
	for _, refs := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		for _, r := range refs {
			out = append(out, withBranches(r.Value)...)
		}
	}
	return out
}

// jsonFields are the fields encoding/json writes for struct type t, by
// name, with embedded structs' fields promoted.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		switch {
		case name == "-" || (!f.IsExported() && !f.Anonymous):
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			for n, ft := range jsonFields(f.Type) {
				if _, shadowed := out[n]; !shadowed {
					out[n] = ft
				}
			}
		default:
			if name == "" {
				name = f.Name
			}
			out[name] = f.Type
		}
	}
	return out
}

// TestOpenAPIRequestSchemasRefuseUnknownFields: the API decodes every body
// strictly (decodeStrict), so every object in a request body's schema says
// additionalProperties: false, or declares a map's values.
func TestOpenAPIRequestSchemasRefuseUnknownFields(t *testing.T) {
	for path, item := range servedDocument(t).Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody == nil {
				continue
			}
			for mt, media := range op.RequestBody.Value.Content {
				at := method + " " + path + " " + mt
				for _, open := range openObjects(media.Schema.Value, at, map[*openapi3.Schema]bool{}) {
					t.Errorf("%s is an object that does not say additionalProperties, but the API refuses unknown fields", open)
				}
			}
		}
	}
}

// openObjects returns the paths of the object schemas in s, at path at,
// that leave additionalProperties unsaid.
func openObjects(s *openapi3.Schema, at string, seen map[*openapi3.Schema]bool) []string {
	if s == nil || seen[s] {
		return nil
	}
	seen[s] = true
	var out []string
	ap := s.AdditionalProperties
	if (s.Type.Is(openapi3.TypeObject) || len(s.Properties) > 0) && ap.Has == nil && ap.Schema == nil {
		out = append(out, at)
	}
	for name, p := range s.Properties {
		out = append(out, openObjects(p.Value, at+"."+name, seen)...)
	}
	if s.Items != nil {
		out = append(out, openObjects(s.Items.Value, at+"[]", seen)...)
	}
	if ap.Schema != nil {
		out = append(out, openObjects(ap.Schema.Value, at+"{}", seen)...)
	}
	for _, refs := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		for _, r := range refs {
			out = append(out, openObjects(r.Value, at, seen)...)
		}
	}
	return out
}
