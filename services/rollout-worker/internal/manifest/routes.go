package manifest

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"
	coreac "k8s.io/client-go/applyconfigurations/core/v1"
	netac "k8s.io/client-go/applyconfigurations/networking/v1"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/rollout"
)

// RoutePaths lists a deployment's public paths, one per served path
// segment and endpoint, in a stable order: the main path, the aliases by
// name, then the per-version paths newest first; endpoints in spec order.
//
// The public path of an endpoint is
// <base path>/<owner>/<project>/<deployment>[/<alias>|/v<N>]/<endpoint name>
// (the URL the API shows). When rewrite is true, the backend receives the
// endpoint's own path in place of that prefix (Rewrite); otherwise the path
// reaches the backend unchanged. Only declared endpoints are routed: a
// model server's other paths (metrics, admin) are not published.
func RoutePaths(ref events.DeploymentRef, target events.TargetInfo, serving rollout.Serving, rewrite bool) []events.RoutedPath {
	base := events.RoutePathBase(target.BaseURL) + "/" + ref.Owner + "/" + ref.Project + "/" + ref.Name
	var out []events.RoutedPath
	add := func(segment, serves, service string, rev events.Revision) {
		prefix := base
		if segment != "" {
			prefix += "/" + segment
		}
		for _, ep := range rev.Spec.Endpoints {
			p := events.RoutedPath{Path: prefix + "/" + ep.Name, Serves: serves, Service: service}
			if rewrite {
				p.Rewrite = cleanPath(ep.Path)
			}
			out = append(out, p)
		}
	}
	if serving.Main != nil {
		add("", "main", target.ObjectName, *serving.Main)
	}
	aliases := make([]string, 0, len(serving.Aliases))
	for name := range serving.Aliases {
		aliases = append(aliases, name)
	}
	sort.Strings(aliases)
	for _, name := range aliases {
		add(name, "alias:"+name, kube.AliasServiceName(ref.Owner, ref.Project, ref.Name, name), serving.Aliases[name])
	}
	for _, rev := range serving.Versions {
		v := "v" + strconv.Itoa(rev.Number)
		add(v, v, kube.VersionServiceName(target.ObjectName, rev.PodTemplateRevision()), rev)
	}
	return out
}

// VersionTemplates are the pod template revisions that need a per-version
// Service, sorted.
func VersionTemplates(serving rollout.Serving) []int {
	seen := map[int]bool{}
	var out []int
	for _, rev := range serving.Versions {
		if t := rev.PodTemplateRevision(); !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	sort.Ints(out)
	return out
}

// RenderVersionService builds the Service behind the per-version paths of
// a pod template revision: it selects that template's pods, main or pinned,
// like an alias Service.
func RenderVersionService(ref events.DeploymentRef, target events.TargetInfo, templateRevision int) *coreac.ServiceApplyConfiguration {
	labels := RouteLabels(ref)
	labels[kube.LabelRevision] = strconv.Itoa(templateRevision)
	return coreac.Service(kube.VersionServiceName(target.ObjectName, templateRevision), target.Namespace).
		WithLabels(labels).
		WithSpec(coreac.ServiceSpec().
			WithSelector(map[string]string{kube.LabelOwner: ref.Owner, kube.LabelProject: ref.Project,
				kube.LabelInstance: ref.Name, kube.LabelRevision: strconv.Itoa(templateRevision)}).
			WithPorts(coreac.ServicePort().WithName("http").WithPort(80).
				WithTargetPort(intstr.FromString("http")).WithProtocol(corev1.ProtocolTCP)))
}

// RouteLabels are the labels of a deployment's routing objects (HTTPRoutes,
// Ingresses, per-version Services); RouteSelector selects them.
func RouteLabels(ref events.DeploymentRef) map[string]string {
	return map[string]string{kube.LabelManagedBy: kube.ManagedByValue, kube.LabelOwner: ref.Owner,
		kube.LabelProject: ref.Project, kube.LabelRouteOf: ref.Name}
}

// RouteSelector is the label selector of a deployment's routing objects.
func RouteSelector(ref events.DeploymentRef) map[string]string {
	return map[string]string{kube.LabelOwner: ref.Owner, kube.LabelProject: ref.Project, kube.LabelRouteOf: ref.Name}
}

// cleanPath drops a trailing slash, except from the root.
func cleanPath(p string) string {
	if t := strings.TrimRight(p, "/"); t != "" {
		return t
	}
	return "/"
}

// Routing is every routing object of a deployment on a target.
type Routing struct {
	// Kind is the target's routing kind (events.RoutingGateway, ...).
	Kind  string
	Paths []events.RoutedPath
	// VersionServices select the pods behind the per-version paths.
	VersionServices []*coreac.ServiceApplyConfiguration
	HTTPRoutes      []*unstructured.Unstructured
	Ingresses       []*netac.IngressApplyConfiguration
}

// RenderRouting builds a deployment's routing objects for the target's
// routing setting. With routing none (or nothing served) it renders none:
// applying that removes what exists.
func RenderRouting(ref events.DeploymentRef, target events.TargetInfo, routing *events.Routing, serving rollout.Serving) Routing {
	out := Routing{Kind: routing.EffectiveKind()}
	switch out.Kind {
	case events.RoutingGateway:
		out.Paths = RoutePaths(ref, target, serving, true)
		gw := events.GatewayRouting{}
		if routing.Gateway != nil {
			gw = *routing.Gateway
		}
		out.HTTPRoutes = RenderSplitHTTPRoutes(ref, target, gw, out.Paths, trafficSplit(serving.Split))
	case events.RoutingIngress:
		ing := events.IngressRouting{}
		if routing.Ingress != nil {
			ing = *routing.Ingress
		}
		out.Paths = RoutePaths(ref, target, serving, ing.Rewrite == events.IngressRewriteNginx)
		out.Ingresses = RenderIngresses(ref, target, ing, out.Paths)
		if split := trafficSplit(serving.Split); split != nil && routing.CanaryTraffic() == events.CanaryTrafficIngress {
			if routing.CanaryMirror(int32(split.MirrorPercent)) > 0 {
				MirrorIngresses(out.Ingresses, target, *split)
			}
			out.Ingresses = append(out.Ingresses, RenderCanaryIngresses(ref, target, ing, out.Paths, *split)...)
		}
	default:
		return out
	}
	if len(out.Paths) > 0 {
		for _, t := range routedTemplates(routing.CanaryTraffic(), serving) {
			out.VersionServices = append(out.VersionServices, RenderVersionService(ref, target, t))
		}
	}
	return out
}

// trafficSplit is a canary's split as the routes render it.
func trafficSplit(s *rollout.Split) *TrafficSplit {
	if s == nil {
		return nil
	}
	return &TrafficSplit{Stable: s.StableTemplate, Canary: s.CanaryTemplate, CanaryPercent: int(s.Weight), MirrorPercent: int(s.Mirror)}
}

// routedTemplates are the pod template revisions whose per-version Service
// the routes need: the per-version paths', and where the routes carry a
// canary's weight (traffic gateway or ingress) a split's two.
func routedTemplates(traffic string, serving rollout.Serving) []int {
	out := VersionTemplates(serving)
	if s := serving.Split; s != nil && traffic != events.CanaryTrafficPods {
		for _, t := range []int{s.StableTemplate, s.CanaryTemplate} {
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
		sort.Ints(out)
	}
	return out
}
