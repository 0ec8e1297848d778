package manifest

import (
	"strconv"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"slipway.dev/pkg/events"
)

// HTTPRouteGVR is the Gateway API resource routes are written as. The
// worker uses the dynamic client and unstructured objects, so it needs no
// Gateway API Go module and runs on clusters without the CRDs.
var HTTPRouteGVR = schema.GroupVersionResource{Group: "gateway.networking.k8s.io", Version: "v1", Resource: "httproutes"}

// MaxRulesPerHTTPRoute is the Gateway API limit on rules in one HTTPRoute.
const MaxRulesPerHTTPRoute = 16

// RenderHTTPRoutes builds the HTTPRoutes serving paths: one rule per path,
// a PathPrefix match with a URLRewrite ReplacePrefixMatch filter to the
// endpoint's path (a rewrite needs exactly one PathPrefix match per rule),
// and the path's Service on port 80. A deployment has one HTTPRoute, named
// like its objects; beyond 16 rules the rest go to <object>-2, <object>-3, …
// (the paths never overlap, so splitting changes no precedence). No paths:
// no routes.
func RenderHTTPRoutes(ref events.DeploymentRef, target events.TargetInfo, gw events.GatewayRouting, paths []events.RoutedPath) []*unstructured.Unstructured {
	return RenderSplitHTTPRoutes(ref, target, gw, paths, nil)
}

// RenderSplitHTTPRoutes is RenderHTTPRoutes with a canary's split: the
// rules of the main path (Serves "main") divide requests by split
// (SplitHTTPRouteRule); nil renders plain routes.
func RenderSplitHTTPRoutes(ref events.DeploymentRef, target events.TargetInfo, gw events.GatewayRouting, paths []events.RoutedPath,
	split *TrafficSplit) []*unstructured.Unstructured {
	hostnames := gw.Hostnames
	if len(hostnames) == 0 {
		if h := events.RouteHost(target.BaseURL); h != "" {
			hostnames = []string{h}
		}
	}
	parent := map[string]any{"group": HTTPRouteGVR.Group, "kind": "Gateway", "name": gw.Name, "namespace": gw.Namespace}
	if gw.Namespace == "" {
		parent["namespace"] = target.Namespace
	}
	if gw.SectionName != "" {
		parent["sectionName"] = gw.SectionName
	}
	var out []*unstructured.Unstructured
	for i := 0; i < len(paths); i += MaxRulesPerHTTPRoute {
		chunk := paths[i:min(i+MaxRulesPerHTTPRoute, len(paths))]
		rules := make([]any, 0, len(chunk))
		for _, p := range chunk {
			if split != nil && p.Serves == "main" {
				rules = append(rules, SplitHTTPRouteRule(p, target.ObjectName, *split))
				continue
			}
			rules = append(rules, httpRouteRule(p))
		}
		spec := map[string]any{"parentRefs": []any{parent}, "rules": rules}
		if len(hostnames) > 0 {
			hs := make([]any, len(hostnames))
			for j, h := range hostnames {
				hs[j] = h
			}
			spec["hostnames"] = hs
		}
		u := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": HTTPRouteGVR.GroupVersion().String(),
			"kind":       "HTTPRoute",
			"metadata":   map[string]any{"name": HTTPRouteName(target.ObjectName, i/MaxRulesPerHTTPRoute), "namespace": target.Namespace},
			"spec":       spec,
		}}
		u.SetLabels(RouteLabels(ref))
		out = append(out, u)
	}
	return out
}

// HTTPRouteName names the n-th (from 0) HTTPRoute of a deployment.
func HTTPRouteName(objectName string, n int) string {
	if n == 0 {
		return objectName
	}
	return objectName + "-" + strconv.Itoa(n+1)
}

func httpRouteRule(p events.RoutedPath) map[string]any {
	rule := map[string]any{
		"matches":     []any{map[string]any{"path": map[string]any{"type": "PathPrefix", "value": p.Path}}},
		"backendRefs": []any{serviceRef(p.Service)},
	}
	if p.Rewrite != "" {
		rule["filters"] = []any{map[string]any{"type": "URLRewrite",
			"urlRewrite": map[string]any{"path": map[string]any{"type": "ReplacePrefixMatch", "replacePrefixMatch": p.Rewrite}}}}
	}
	return rule
}
