package validation

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"regexp"
	"slices"
	"strings"

	"slipway.dev/pkg/events"
)

// ParseRouting reads a routing setting as configuration and the CLI give
// it: JSON ({"ingress": {"className": "nginx"}}) or a bare kind (none,
// ingress, gateway). An empty value is nil (none). The setting is validated;
// the error names the first invalid field.
func ParseRouting(v string) (*events.Routing, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	var r events.Routing
	if !strings.HasPrefix(v, "{") {
		r.Kind = v
	} else if err := json.Unmarshal([]byte(v), &r); err != nil {
		return nil, fmt.Errorf("routing: %w", err)
	}
	if fes := Routing(&r, "routing"); len(fes) > 0 {
		return nil, fmt.Errorf("%s %s", fes[0].Field, fes[0].Message)
	}
	return &r, nil
}

// hostnamePattern is a DNS host name, optionally a wildcard (*.);
// events.RouteHost reads base URLs with the same pattern.
var hostnamePattern = regexp.MustCompile(`^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// Routing checks a routing setting; field names start with prefix
// ("routing" in a target file or registration).
func Routing(r *events.Routing, prefix string) events.FieldErrors {
	if r == nil {
		return nil
	}
	var fe events.FieldErrors
	add := func(field, msg string) { fe = append(fe, events.FieldError{Field: prefix + "." + field, Message: msg}) }
	hosts := func(field string, hs []string) {
		for _, h := range hs {
			if len(h) > 253 || !hostnamePattern.MatchString(h) || net.ParseIP(h) != nil {
				add(field, "must be DNS host names, optionally starting with '*.' (not IP addresses): "+h)
			}
		}
	}
	switch r.EffectiveKind() {
	case events.RoutingGateway:
		if r.Gateway == nil || r.Gateway.Name == "" {
			add("gateway.name", "is required with kind gateway: the parent Gateway of the routes")
		}
	case events.RoutingIngress, events.RoutingNone:
	default:
		add("kind", "must be gateway, ingress or none")
	}
	if g := r.Gateway; g != nil {
		if g.Namespace != "" && (len(g.Namespace) > 63 || !dnsLabel.MatchString(g.Namespace)) {
			add("gateway.namespace", "must be the name of a namespace")
		}
		if g.SectionName != "" && (len(g.SectionName) > 253 || !dnsSubdom.MatchString(g.SectionName)) {
			add("gateway.sectionName", "must be the name of a listener of the Gateway")
		}
		if g.Name != "" && (len(g.Name) > 253 || !dnsSubdom.MatchString(g.Name)) {
			add("gateway.name", "must be the name of a Gateway")
		}
		hosts("gateway.hostnames", g.Hostnames)
	}
	if i := r.Ingress; i != nil {
		if i.ClassName != "" && (len(i.ClassName) > 253 || !dnsSubdom.MatchString(i.ClassName)) {
			add("ingress.className", "must be the name of an IngressClass")
		}
		if i.Host != "" {
			hosts("ingress.host", []string{i.Host})
		}
		switch i.Rewrite {
		case "", events.IngressRewriteNone, events.IngressRewriteNginx:
		default:
			add("ingress.rewrite", "must be none or nginx")
		}
		switch i.Canary {
		case "", events.IngressCanaryNginx, events.IngressCanaryNone:
		default:
			add("ingress.canary", "must be nginx or none")
		}
		for _, k := range slices.Sorted(maps.Keys(i.Annotations)) {
			if canaryAnnotation(k) {
				add("ingress.annotations."+k, "is set by Slipway on a canary's Ingresses; it cannot be set for every Ingress")
			}
		}
	}
	return fe
}

// canaryAnnotation reports whether an ingress-nginx annotation is one a
// canary's traffic is made of: on every Ingress of a target it would turn
// the main Ingress into a canary, or copy all its requests.
func canaryAnnotation(key string) bool {
	const prefix = "nginx.ingress.kubernetes.io/"
	name, ok := strings.CutPrefix(key, prefix)
	return ok && (name == "canary" || strings.HasPrefix(name, "canary-") || strings.HasPrefix(name, "mirror-"))
}
