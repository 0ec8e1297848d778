package manifest

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"sort"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	netac "k8s.io/client-go/applyconfigurations/networking/v1"

	"slipway.dev/pkg/events"
)

// Annotations of ingress-nginx that IngressRewriteNginx sets.
const (
	NginxUseRegex      = "nginx.ingress.kubernetes.io/use-regex"
	NginxRewriteTarget = "nginx.ingress.kubernetes.io/rewrite-target"
)

// RenderIngresses builds the Ingresses serving paths, with the target's
// class, host and annotations, each path to its Service on port 80.
//
// Rewrite none: one Ingress named like the deployment's objects, pathType
// Prefix; the backend sees the public path. Rewrite nginx: ingress-nginx
// rewrites once per Ingress (rewrite-target is an annotation), so paths are
// grouped by the endpoint path they rewrite to, one Ingress per group named
// <object>-<8 hex of sha256(endpoint path)>, each path a regular expression
// (pathType ImplementationSpecific) capturing what follows the public
// prefix, and rewrite-target <endpoint path>$1. No paths: no Ingresses.
func RenderIngresses(ref events.DeploymentRef, target events.TargetInfo, ing events.IngressRouting, paths []events.RoutedPath) []*netac.IngressApplyConfiguration {
	if len(paths) == 0 {
		return nil
	}
	host := ing.Host
	if host == "" {
		host = events.RouteHost(target.BaseURL)
	}
	if ing.Rewrite != events.IngressRewriteNginx {
		return []*netac.IngressApplyConfiguration{ingress(ref, target, ing, target.ObjectName, host, nil, paths, networkingv1.PathTypePrefix)}
	}
	groups := map[string][]events.RoutedPath{}
	var keys []string
	for _, p := range paths {
		if _, ok := groups[p.Rewrite]; !ok {
			keys = append(keys, p.Rewrite)
		}
		groups[p.Rewrite] = append(groups[p.Rewrite], p)
	}
	sort.Strings(keys)
	out := make([]*netac.IngressApplyConfiguration, 0, len(keys))
	for _, rewrite := range keys {
		regexPaths := make([]events.RoutedPath, 0, len(groups[rewrite]))
		for _, p := range groups[rewrite] {
			p.Path = regexp.QuoteMeta(p.Path) + "(/.*|$)"
			regexPaths = append(regexPaths, p)
		}
		to := rewrite + "$1"
		if rewrite == "/" {
			to = "/$2"
			for i := range regexPaths {
				regexPaths[i].Path = strings.TrimSuffix(regexPaths[i].Path, "(/.*|$)") + "(/|$)(.*)"
			}
		}
		extra := map[string]string{NginxUseRegex: "true", NginxRewriteTarget: to}
		out = append(out, ingress(ref, target, ing, IngressName(target.ObjectName, rewrite), host, extra, regexPaths,
			networkingv1.PathTypeImplementationSpecific))
	}
	return out
}

// IngressName names the Ingress of a deployment that rewrites to an
// endpoint path (rewrite nginx), or its only Ingress (rewrite "").
func IngressName(objectName, rewrite string) string {
	if rewrite == "" {
		return objectName
	}
	sum := sha256.Sum256([]byte(rewrite))
	return objectName + "-" + hex.EncodeToString(sum[:])[:8]
}

func ingress(ref events.DeploymentRef, target events.TargetInfo, ing events.IngressRouting, name, host string, extra map[string]string,
	paths []events.RoutedPath, pathType networkingv1.PathType) *netac.IngressApplyConfiguration {
	http := netac.HTTPIngressRuleValue()
	for _, p := range paths {
		http.WithPaths(netac.HTTPIngressPath().WithPath(p.Path).WithPathType(pathType).
			WithBackend(netac.IngressBackend().WithService(netac.IngressServiceBackend().WithName(p.Service).
				WithPort(netac.ServiceBackendPort().WithNumber(80)))))
	}
	rule := netac.IngressRule().WithHTTP(http)
	if host != "" {
		rule.WithHost(host)
	}
	spec := netac.IngressSpec().WithRules(rule)
	if ing.ClassName != "" {
		spec.WithIngressClassName(ing.ClassName)
	}
	obj := netac.Ingress(name, target.Namespace).WithLabels(RouteLabels(ref)).WithSpec(spec)
	annotations := make(map[string]string, len(ing.Annotations)+len(extra))
	for k, v := range ing.Annotations {
		annotations[k] = v
	}
	for k, v := range extra {
		annotations[k] = v
	}
	if len(annotations) > 0 {
		obj.WithAnnotations(annotations)
	}
	return obj
}
