package manifest

import (
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
)

// TrafficSplit is how a canary divides one path's requests between the
// stable revision and the new one, each reached through the per-version
// Service of its pod template revision (kube.VersionServiceName).
// Percentages outside 0..100 are clamped (the spec validates them first).
type TrafficSplit struct {
	// Stable and Canary are pod template revisions.
	Stable, Canary int
	// CanaryPercent of the requests are answered by Canary, the rest by
	// Stable.
	CanaryPercent int
	// MirrorPercent of the requests are also copied to Canary, its answers
	// discarded (Gateway API RequestMirror). 0: no mirror filter.
	MirrorPercent int
}

// SplitBackendRefs renders the backendRefs of a rule that splits requests
// by split: the stable and the canary per-version Service, weighted
// 100-CanaryPercent and CanaryPercent. Gateway API weights are relative, so
// these are percentages. Both stay listed at weight 0, so moving the weight
// back to 100% stable changes numbers only, and re-applying a step is the
// same object.
func SplitBackendRefs(objectName string, split TrafficSplit) []any {
	canary := clampPercent(split.CanaryPercent)
	return []any{
		weightedServiceRef(kube.VersionServiceName(objectName, split.Stable), 100-canary),
		weightedServiceRef(kube.VersionServiceName(objectName, split.Canary), canary),
	}
}

// MirrorFilter renders a RequestMirror filter copying percent of a rule's
// requests to service on port 80. The standard channel of Gateway API v1.6
// has the filter's percent (0..100; none means all requests), so the share
// is always written out.
func MirrorFilter(service string, percent int) map[string]any {
	return map[string]any{"type": "RequestMirror", "requestMirror": map[string]any{
		"backendRef": serviceRef(service),
		"percent":    int64(clampPercent(percent)),
	}}
}

// SplitHTTPRouteRule renders the HTTPRoute rule of path p under split: p's
// match and rewrite, its Service replaced by SplitBackendRefs, and, when
// MirrorPercent > 0, a MirrorFilter to the canary's Service after the
// rewrite (implementations apply filters in order where they can, so the
// copy is the rewritten request, as the canary expects).
func SplitHTTPRouteRule(p events.RoutedPath, objectName string, split TrafficSplit) map[string]any {
	rule := httpRouteRule(p)
	rule["backendRefs"] = SplitBackendRefs(objectName, split)
	if split.MirrorPercent > 0 {
		filters, _ := rule["filters"].([]any)
		rule["filters"] = append(filters, MirrorFilter(kube.VersionServiceName(objectName, split.Canary), split.MirrorPercent))
	}
	return rule
}

func serviceRef(name string) map[string]any {
	return map[string]any{"group": "", "kind": "Service", "name": name, "port": int64(80)}
}

func weightedServiceRef(name string, weight int) map[string]any {
	ref := serviceRef(name)
	ref["weight"] = int64(weight)
	return ref
}

func clampPercent(p int) int { return min(max(p, 0), 100) }
