package manifest

import (
	"strconv"

	netac "k8s.io/client-go/applyconfigurations/networking/v1"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
)

// Annotations of ingress-nginx a canary's traffic is made of.
const (
	NginxCanary       = "nginx.ingress.kubernetes.io/canary"
	NginxCanaryWeight = "nginx.ingress.kubernetes.io/canary-weight"
	NginxMirrorTarget = "nginx.ingress.kubernetes.io/mirror-target"
)

// CanaryIngressName names the canary Ingress beside the Ingress called main.
func CanaryIngressName(main string) string { return main + "-canary" }

// RenderCanaryIngresses builds the ingress-nginx canary Ingresses of a
// split: for each Ingress RenderIngresses makes of the main path, one with
// the same class, host, paths and annotations (ingress-nginx pairs a canary
// with the main Ingress of the same host and path), its backends the new
// revision's per-version Service, marked canary with the split's weight.
// The canary stays at weight 0 rather than being removed while the split
// lasts, so a step changes one annotation. No main path: none.
func RenderCanaryIngresses(ref events.DeploymentRef, target events.TargetInfo, ing events.IngressRouting, paths []events.RoutedPath,
	split TrafficSplit) []*netac.IngressApplyConfiguration {
	var main []events.RoutedPath
	for _, p := range paths {
		if p.Serves == "main" {
			p.Service = kube.VersionServiceName(target.ObjectName, split.Canary)
			main = append(main, p)
		}
	}
	out := RenderIngresses(ref, target, ing, main)
	for _, c := range out {
		c.WithName(CanaryIngressName(*c.Name)).WithAnnotations(map[string]string{
			NginxCanary: "true", NginxCanaryWeight: strconv.Itoa(clampPercent(split.CanaryPercent))})
	}
	return out
}

// MirrorIngresses sets ingress-nginx's mirror-target on the Ingresses
// (of RenderIngresses) that serve the main path: every request they receive
// is copied, as received, to the new revision's per-version Service, its
// answers discarded. ingress-nginx copies all of an Ingress's requests or
// none (events.Routing.CanaryMirror says when this applies).
func MirrorIngresses(ings []*netac.IngressApplyConfiguration, target events.TargetInfo, split TrafficSplit) {
	if split.MirrorPercent <= 0 {
		return
	}
	service := kube.VersionServiceName(target.ObjectName, split.Canary)
	url := "http://" + service + "." + target.Namespace + ".svc.cluster.local$request_uri"
	for _, ing := range ings {
		if servesMain(ing, target.ObjectName) {
			ing.WithAnnotations(map[string]string{NginxMirrorTarget: url})
		}
	}
}

// servesMain reports whether an Ingress has a path to the main Service
// (named like the deployment's objects).
func servesMain(ing *netac.IngressApplyConfiguration, objectName string) bool {
	if ing.Spec == nil {
		return false
	}
	for _, rule := range ing.Spec.Rules {
		if rule.HTTP == nil {
			continue
		}
		for _, p := range rule.HTTP.Paths {
			if p.Backend != nil && p.Backend.Service != nil && p.Backend.Service.Name != nil && *p.Backend.Service.Name == objectName {
				return true
			}
		}
	}
	return false
}
