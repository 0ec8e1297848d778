package events

// Routing reason codes (RoutingChanged.Reason).
const (
	// ReasonRoutesApplied: the routing objects serve every path listed.
	ReasonRoutesApplied = "RoutesApplied"
	// ReasonRoutesRemoved: the deployment has no routing objects (terminated,
	// or its target's routing is none).
	ReasonRoutesRemoved = "RoutesRemoved"
	// ReasonGatewayAPIMissing: the target is configured for Gateway API
	// routing but its cluster does not serve gateway.networking.k8s.io/v1
	// HTTPRoute (the CRDs are not installed).
	ReasonGatewayAPIMissing = "GatewayAPIMissing"
	// ReasonRoutingFailed: the cluster refused the routing objects (invalid,
	// forbidden); the message says why.
	ReasonRoutingFailed = "RoutingFailed"
)

// RoutingChanged records what serves a deployment's canonical URLs after
// the worker (re)rendered its routing objects, or why it could not. It is
// appended only when something in it changed.
type RoutingChanged struct {
	// Kind is the target's routing kind: gateway, ingress or none.
	Kind    string `json:"kind"`
	Reason  string `json:"reason"`
	Message string `json:"message,omitempty"`
	// Objects are the routing objects as "<apiVersion> <Kind> <ns>/<name>".
	Objects []string `json:"objects,omitempty"`
	// Paths are the public paths routed, in order.
	Paths []RoutedPath `json:"paths,omitempty"`
	// Setting is the Fingerprint of the target's routing setting the
	// routes were rendered with.
	Setting string `json:"setting,omitempty"`
}

func (RoutingChanged) Type() string { return "slipway.deployment.routing_changed.v1" }

// RoutedPath is one public path prefix and where it leads.
type RoutedPath struct {
	// Path is the public path prefix (<base path>/<owner>/<project>/<deployment>[/<alias>|/v<N>]/<endpoint>).
	Path string `json:"path"`
	// Serves is "main", "alias:<name>" or "v<N>".
	Serves  string `json:"serves"`
	Service string `json:"service"`
	// Rewrite is the path the backend receives for Path (the endpoint's
	// path), or empty when the prefix reaches the backend unchanged.
	Rewrite string `json:"rewrite,omitempty"`
}
