package events

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// Routing kinds: which objects serve a target's canonical URLs.
const (
	// RoutingGateway: one Gateway API HTTPRoute per deployment, attached to
	// a parent Gateway the platform team runs.
	RoutingGateway = "gateway"
	// RoutingIngress: networking.k8s.io/v1 Ingress objects.
	RoutingIngress = "ingress"
	// RoutingNone: Slipway renders no routing objects (the default).
	RoutingNone = "none"
)

// Ingress rewrite styles: how the public prefix is replaced by the
// endpoint's own path. Ingress has no portable rewrite.
const (
	// IngressRewriteNone: paths are routed as they are; the backend sees the
	// public path. The target's annotations may ask the controller to rewrite.
	IngressRewriteNone = "none"
	// IngressRewriteNginx: ingress-nginx regex paths and rewrite-target, so
	// the backend sees the endpoint's path, as with an HTTPRoute.
	IngressRewriteNginx = "nginx"
)

// Routing says how a target serves the canonical URLs of its deployments
// (<base>/<owner>/<project>/<deployment>[/<alias>|/v<N>]/<endpoint>).
type Routing struct {
	// Kind is gateway, ingress or none. Empty: gateway when Gateway is set,
	// else ingress when Ingress is set, else none.
	Kind    string          `json:"kind,omitempty"`
	Gateway *GatewayRouting `json:"gateway,omitempty"`
	Ingress *IngressRouting `json:"ingress,omitempty"`
}

// GatewayRouting names the Gateway every HTTPRoute of the target attaches to.
type GatewayRouting struct {
	Name string `json:"name"`
	// Namespace of the Gateway (empty: the target's namespace). A Gateway in
	// another namespace must allow routes from the target's namespace.
	Namespace   string `json:"namespace,omitempty"`
	SectionName string `json:"sectionName,omitempty"`
	// Hostnames of the routes (empty: the host of the target's base URL,
	// unless it is an IP address).
	Hostnames []string `json:"hostnames,omitempty"`
}

// IngressRouting configures the target's Ingress objects.
type IngressRouting struct {
	// ClassName is spec.ingressClassName (empty: the cluster's default class).
	ClassName string `json:"className,omitempty"`
	// Host of the rules (empty: the host of the base URL, unless it is an IP).
	Host string `json:"host,omitempty"`
	// Rewrite is none (default) or nginx; see IngressRewriteNone.
	Rewrite string `json:"rewrite,omitempty"`
	// Annotations are copied onto every Ingress (controller settings).
	Annotations map[string]string `json:"annotations,omitempty"`
	// Canary is how a canary's traffic is split on this target: nginx
	// (ingress-nginx canary annotations on a second Ingress) or none (the
	// weight approximated by pod counts). Empty: nginx when Rewrite is nginx
	// (the target already runs ingress-nginx), else none.
	Canary string `json:"canary,omitempty"`
}

// Ingress canary styles (IngressRouting.Canary).
const (
	// IngressCanaryNginx: a canary Ingress beside each Ingress of the main
	// path, with nginx.ingress.kubernetes.io/canary and canary-weight.
	IngressCanaryNginx = "nginx"
	// IngressCanaryNone: the controller is not told about canaries.
	IngressCanaryNone = "none"
)

// CanaryStyle is the effective IngressRouting.Canary.
func (i *IngressRouting) CanaryStyle() string {
	switch {
	case i == nil:
		return IngressCanaryNone
	case i.Canary != "":
		return i.Canary
	case i.Rewrite == IngressRewriteNginx:
		return IngressCanaryNginx
	}
	return IngressCanaryNone
}

// How a target carries a canary's traffic (CanaryStepStarted.Traffic).
const (
	// CanaryTrafficGateway: weighted backendRefs on the HTTPRoute.
	CanaryTrafficGateway = "gateway"
	// CanaryTrafficIngress: an ingress-nginx canary Ingress with the weight.
	CanaryTrafficIngress = "ingress"
	// CanaryTrafficPods: no weighted routing; the weight is approximated by
	// pod counts behind the main Service.
	CanaryTrafficPods = "pods"
)

// CanaryTraffic says how a target with routing r carries a canary's weight.
func (r *Routing) CanaryTraffic() string {
	switch r.EffectiveKind() {
	case RoutingGateway:
		return CanaryTrafficGateway
	case RoutingIngress:
		if r.Ingress.CanaryStyle() == IngressCanaryNginx {
			return CanaryTrafficIngress
		}
	}
	return CanaryTrafficPods
}

// CanaryMirror is the share of requests a target with routing r copies to a
// canary whose step asks for percent. Gateway API copies that share.
// ingress-nginx's mirror-target copies every request of an Ingress or none,
// and the copy keeps the public path, so it is applied (100) only where the
// backend sees the public path anyway (rewrite none). Approximated by pods:
// nothing is copied.
func (r *Routing) CanaryMirror(percent int32) int32 {
	switch r.CanaryTraffic() {
	case CanaryTrafficGateway:
		return percent
	case CanaryTrafficIngress:
		if percent > 0 && r.Ingress.Rewrite != IngressRewriteNginx {
			return 100
		}
	}
	return 0
}

// EffectiveKind is the kind of routing r asks for; a nil r asks for none.
func (r *Routing) EffectiveKind() string {
	switch {
	case r == nil:
		return RoutingNone
	case r.Kind != "":
		return r.Kind
	case r.Gateway != nil:
		return RoutingGateway
	case r.Ingress != nil:
		return RoutingIngress
	}
	return RoutingNone
}

// Fingerprint names the routing setting r (nil: none) in 16 hex digits: the
// same for equal settings, different when anything in them differs.
// RoutingChanged records the one its routes were rendered with, so a
// deployment rendered with an older setting can be found and rendered again.
func (r *Routing) Fingerprint() string {
	if r.EffectiveKind() == RoutingNone {
		return RoutingNone
	}
	b, _ := json.Marshal(r) // a Routing always encodes; map keys are sorted
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// hostnamePattern is a DNS host name, optionally a wildcard (*.), as
// pkg/validation checks routing host names.
var hostnamePattern = regexp.MustCompile(`^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// RouteHost is the host name routes of a target match when none is
// configured: the base URL's host without port, or "" for an IP address.
func RouteHost(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil {
		return ""
	}
	h := strings.ToLower(u.Hostname())
	if h == "" || net.ParseIP(h) != nil || !hostnamePattern.MatchString(h) {
		return ""
	}
	return h
}

// RoutePathBase is the path of a target's base URL, without a trailing
// slash ("" at the root): every public path starts with it.
func RoutePathBase(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil {
		return ""
	}
	return strings.TrimRight(u.EscapedPath(), "/")
}
