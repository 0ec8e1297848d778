package manifest

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
)

// canarySplit: revision 3's template is stable, revision 5's is the canary.
func canarySplit(canary, mirror int) TrafficSplit {
	return TrafficSplit{Stable: 3, Canary: 5, CanaryPercent: canary, MirrorPercent: mirror}
}

// TestSplitRulesGolden pins the rule of a path under a canary's split at
// the weights a canary passes through, with and without a mirror: the
// path's match and rewrite kept, two weighted per-version Services in
// place of the path's Service (both listed at 0 and 100), and the mirror
// filter to the canary's Service after the rewrite.
func TestSplitRulesGolden(t *testing.T) {
	main := RoutePaths(routeRef, routeTarget, routeServing(), true)[0]
	rules := map[string]any{}
	for name, split := range map[string]TrafficSplit{
		"weight-0": canarySplit(0, 0), "weight-10": canarySplit(10, 0), "weight-50": canarySplit(50, 0),
		"weight-100": canarySplit(100, 0), "mirror-25": canarySplit(0, 25), "weight-10-mirror-100": canarySplit(10, 100),
	} {
		rules[name] = SplitHTTPRouteRule(main, routeTarget.ObjectName, split)
	}
	got, err := json.MarshalIndent(rules, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, filepath.Join("testdata", "split-rules.golden.json"), got)
}

// TestCanaryHTTPRouteGolden pins a whole HTTPRoute of a deployment in a
// canary step: the main paths split 90/10 between the stable and the
// canary and mirrored at 25%, the alias and per-version paths as before.
// The e2e tier creates this file's object on a control plane with the
// Gateway API's standard CRDs (TestHTTPRouteSplitOnTheAPIServer), so it is
// what proves the rendering valid against the real schema.
func TestCanaryHTTPRouteGolden(t *testing.T) {
	paths := RoutePaths(routeRef, routeTarget, routeServing(), true)
	routes := RenderHTTPRoutes(routeRef, routeTarget, events.GatewayRouting{Name: "public"}, paths)
	if len(routes) != 1 {
		t.Fatalf("%d routes, want 1", len(routes))
	}
	rules, _, _ := unstructured.NestedSlice(routes[0].Object, "spec", "rules")
	for i, p := range paths {
		if p.Serves == "main" {
			rules[i] = SplitHTTPRouteRule(p, routeTarget.ObjectName, canarySplit(10, 25))
		}
	}
	if err := unstructured.SetNestedSlice(routes[0].Object, rules, "spec", "rules"); err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(routes[0], "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, filepath.Join("testdata", "httproute-canary.golden.json"), got)
}

// TestTrafficSplitClampsPercentages: out-of-range percentages render as
// the nearest valid split, never as weights the schema refuses; a mirror
// at 0% or below renders no filter.
func TestTrafficSplitClampsPercentages(t *testing.T) {
	obj := routeTarget.ObjectName
	stable, canary := kube.VersionServiceName(obj, 3), kube.VersionServiceName(obj, 5)
	p := events.RoutedPath{Path: "/p", Service: obj}
	tests := []struct {
		split TrafficSplit
		want  string
	}{
		{canarySplit(150, 0), fmt.Sprintf("%s=0 %s=100 no mirror", stable, canary)},
		{canarySplit(-5, -5), fmt.Sprintf("%s=100 %s=0 no mirror", stable, canary)},
		{canarySplit(30, 250), fmt.Sprintf("%s=70 %s=30 mirror %s=100", stable, canary, canary)},
	}
	for _, tc := range tests {
		rule := SplitHTTPRouteRule(p, obj, tc.split)
		got := ""
		for _, b := range rule["backendRefs"].([]any) {
			ref := b.(map[string]any)
			got += fmt.Sprintf("%s=%d ", ref["name"], ref["weight"])
		}
		filters, _ := rule["filters"].([]any)
		switch len(filters) {
		case 0:
			got += "no mirror"
		default:
			m := filters[0].(map[string]any)["requestMirror"].(map[string]any)
			got += fmt.Sprintf("mirror %s=%d", m["backendRef"].(map[string]any)["name"], m["percent"])
		}
		if got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.split, got, tc.want)
		}
	}
}
