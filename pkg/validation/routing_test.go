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
		{name: "ingress canary by ingress-nginx", routing: &events.Routing{Ingress: &events.IngressRouting{Canary: events.IngressCanaryNginx}},
			kind: events.RoutingIngress},
		{name: "unknown ingress canary style", routing: &events.Routing{Ingress: &events.IngressRouting{Canary: "traefik"}},
			kind: events.RoutingIngress, errs: "routing.ingress.canary"},
		{name: "canary annotations for every Ingress", routing: &events.Routing{Ingress: &events.IngressRouting{Annotations: map[string]string{
			"nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-weight": "5",
			"nginx.ingress.kubernetes.io/mirror-target": "http://x", "nginx.ingress.kubernetes.io/proxy-body-size": "8m"}}},
			kind: events.RoutingIngress, errs: "routing.ingress.annotations.nginx.ingress.kubernetes.io/canary," +
				"routing.ingress.annotations.nginx.ingress.kubernetes.io/canary-weight,routing.ingress.annotations.nginx.ingress.kubernetes.io/mirror-target"},
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

// TestCanaryTraffic: which traffic a target's routing gives a canary, and
// the mirror share it can copy.
func TestCanaryTraffic(t *testing.T) {
	tests := []struct {
		name    string
		routing *events.Routing
		traffic string
		mirror  int32 // of a mirror step of 20
	}{
		{name: "no routing", routing: nil, traffic: events.CanaryTrafficPods},
		{name: "gateway", routing: &events.Routing{Gateway: &events.GatewayRouting{Name: "public"}}, traffic: events.CanaryTrafficGateway, mirror: 20},
		{name: "ingress without a canary style", routing: &events.Routing{Kind: events.RoutingIngress}, traffic: events.CanaryTrafficPods},
		{name: "ingress-nginx by its rewrite", routing: &events.Routing{Ingress: &events.IngressRouting{Rewrite: events.IngressRewriteNginx}},
			traffic: events.CanaryTrafficIngress},
		{name: "ingress-nginx said, no rewrite: every request copied", routing: &events.Routing{Ingress: &events.IngressRouting{Canary: events.IngressCanaryNginx}},
			traffic: events.CanaryTrafficIngress, mirror: 100},
		{name: "ingress-nginx turned off", routing: &events.Routing{Ingress: &events.IngressRouting{Rewrite: events.IngressRewriteNginx, Canary: events.IngressCanaryNone}},
			traffic: events.CanaryTrafficPods},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.routing.CanaryTraffic(); got != tc.traffic {
				t.Errorf("traffic %q, want %q", got, tc.traffic)
			}
			if got := tc.routing.CanaryMirror(20); got != tc.mirror {
				t.Errorf("mirror %d, want %d", got, tc.mirror)
			}
			if got := tc.routing.CanaryMirror(0); got != 0 {
				t.Errorf("mirror of a step without one: %d, want 0", got)
			}
		})
	}
}
