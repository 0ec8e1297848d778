package validation

import (
	"reflect"
	"strings"
	"testing"

	"slipway.dev/pkg/events"
)

func TestRoutingKindAndValidation(t *testing.T) {
	tests := []struct {
		name    string
		routing *events.Routing
		kind    string
		errs    string // fields with errors, comma separated
	}{
		{name: "absent", routing: nil, kind: events.RoutingNone},
		{name: "empty", routing: &events.Routing{}, kind: events.RoutingNone},
		{name: "gateway by its parent", routing: &events.Routing{Gateway: &events.GatewayRouting{Name: "public", Namespace: "gw", SectionName: "https",
			Hostnames: []string{"models.acme.example", "*.acme.example"}}}, kind: events.RoutingGateway},
		{name: "ingress by its settings", routing: &events.Routing{Ingress: &events.IngressRouting{ClassName: "nginx", Rewrite: events.IngressRewriteNginx}}, kind: events.RoutingIngress},
		{name: "ingress with the default class", routing: &events.Routing{Kind: events.RoutingIngress}, kind: events.RoutingIngress},
		{name: "none wins over settings", routing: &events.Routing{Kind: events.RoutingNone, Gateway: &events.GatewayRouting{Name: "public"}}, kind: events.RoutingNone},
		{name: "gateway without a parent", routing: &events.Routing{Kind: events.RoutingGateway}, kind: events.RoutingGateway, errs: "routing.gateway.name"},
		{name: "unknown kind", routing: &events.Routing{Kind: "mesh"}, kind: "mesh", errs: "routing.kind"},
		{name: "bad names", routing: &events.Routing{Gateway: &events.GatewayRouting{Name: "Public", Namespace: "a_b", Hostnames: []string{"10.0.0.1"}}},
			kind: events.RoutingGateway, errs: "routing.gateway.namespace,routing.gateway.name,routing.gateway.hostnames"},
		{name: "bad ingress", routing: &events.Routing{Ingress: &events.IngressRouting{ClassName: "Nginx", Host: "a b", Rewrite: "traefik"}},
			kind: events.RoutingIngress, errs: "routing.ingress.className,routing.ingress.host,routing.ingress.rewrite"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.routing.EffectiveKind(); got != tc.kind {
				t.Errorf("kind %q, want %q", got, tc.kind)
			}
			var fields []string
			for _, fe := range Routing(tc.routing, "routing") {
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
		want        *events.Routing
		err         string // substring of the error
	}{
		{name: "empty", value: "  ", want: nil},
		{name: "a bare kind", value: "none", want: &events.Routing{Kind: events.RoutingNone}},
		{name: "json", value: `{"ingress":{"className":"nginx","rewrite":"nginx"}}`,
			want: &events.Routing{Ingress: &events.IngressRouting{ClassName: "nginx", Rewrite: events.IngressRewriteNginx}}},
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
