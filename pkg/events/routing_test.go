package events

import (
	"reflect"
	"strings"
	"testing"
)

func TestRoutingKindAndValidation(t *testing.T) {
	tests := []struct {
		name    string
		routing *Routing
		kind    string
		errs    string // fields with errors, comma separated
	}{
		{name: "absent", routing: nil, kind: RoutingNone},
		{name: "empty", routing: &Routing{}, kind: RoutingNone},
		{name: "gateway by its parent", routing: &Routing{Gateway: &GatewayRouting{Name: "public", Namespace: "gw", SectionName: "https",
			Hostnames: []string{"models.acme.example", "*.acme.example"}}}, kind: RoutingGateway},
		{name: "ingress by its settings", routing: &Routing{Ingress: &IngressRouting{ClassName: "nginx", Rewrite: IngressRewriteNginx}}, kind: RoutingIngress},
		{name: "ingress with the default class", routing: &Routing{Kind: RoutingIngress}, kind: RoutingIngress},
		{name: "none wins over settings", routing: &Routing{Kind: RoutingNone, Gateway: &GatewayRouting{Name: "public"}}, kind: RoutingNone},
		{name: "gateway without a parent", routing: &Routing{Kind: RoutingGateway}, kind: RoutingGateway, errs: "routing.gateway.name"},
		{name: "unknown kind", routing: &Routing{Kind: "mesh"}, kind: "mesh", errs: "routing.kind"},
		{name: "bad names", routing: &Routing{Gateway: &GatewayRouting{Name: "Public", Namespace: "a_b", Hostnames: []string{"10.0.0.1"}}},
			kind: RoutingGateway, errs: "routing.gateway.namespace,routing.gateway.name,routing.gateway.hostnames"},
		{name: "bad ingress", routing: &Routing{Ingress: &IngressRouting{ClassName: "Nginx", Host: "a b", Rewrite: "traefik"}},
			kind: RoutingIngress, errs: "routing.ingress.className,routing.ingress.host,routing.ingress.rewrite"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.routing.EffectiveKind(); got != tc.kind {
				t.Errorf("kind %q, want %q", got, tc.kind)
			}
			var fields []string
			for _, fe := range tc.routing.Validate("routing") {
				fields = append(fields, fe.Field)
			}
			if got := strings.Join(fields, ","); got != tc.errs {
				t.Errorf("errors on %q, want %q", got, tc.errs)
			}
		})
	}
}

func TestParseRouting(t *testing.T) {
	tests := []struct {
		name, value string
		want        *Routing
		err         string // substring of the error
	}{
		{name: "empty", value: "  ", want: nil},
		{name: "a bare kind", value: "none", want: &Routing{Kind: RoutingNone}},
		{name: "json", value: `{"ingress":{"className":"nginx","rewrite":"nginx"}}`,
			want: &Routing{Ingress: &IngressRouting{ClassName: "nginx", Rewrite: IngressRewriteNginx}}},
		{name: "bad json", value: `{"ingress":`, err: "routing:"},
		{name: "invalid", value: `{"gateway":{"namespace":"gw"}}`, err: "routing.gateway.name"},
		{name: "unknown kind", value: "mesh", err: "routing.kind"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseRouting(tc.value)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %#v, %v; want %#v", got, err, tc.want)
			}
		})
	}
}

func TestRouteHostAndPathBase(t *testing.T) {
	tests := []struct{ baseURL, host, path string }{
		{"https://Models.Acme.example", "models.acme.example", ""},
		{"https://models.acme.example:8443/ml/", "models.acme.example", "/ml"},
		{"http://10.1.2.3:8080", "", ""},
		{"http://[::1]/a/b", "", "/a/b"},
		{"http://local.test", "local.test", ""},
	}
	for _, tc := range tests {
		if h, p := RouteHost(tc.baseURL), RoutePathBase(tc.baseURL); h != tc.host || p != tc.path {
			t.Errorf("%s: host %q path %q, want %q %q", tc.baseURL, h, p, tc.host, tc.path)
		}
	}
}
