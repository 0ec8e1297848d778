package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/rollout"
)

var (
	routeRef    = events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	routeTarget = events.TargetInfo{Name: "eu", Namespace: "models", BaseURL: "https://models.acme.example/ml/",
		ObjectName: kube.ObjectName("acme", "fraud", "scorer")}
)

func revision(n, template int, endpoints ...events.Endpoint) events.Revision {
	return events.Revision{Number: n, TemplateRevision: template, Spec: events.Spec{Image: "i", Endpoints: endpoints}.WithDefaults()}
}

// routeServing: revision 5 is current and has rolled out; production is on
// revision 3, canary on 5; revision 4 is a scaling-only revision of 3's
// template kept warm.
func routeServing() rollout.Serving {
	eps := []events.Endpoint{{Name: "predict", Path: "/v1/models/scorer:predict"}, {Name: "health", Path: "/"}}
	r5, r3, r4 := revision(5, 0, eps...), revision(3, 0, events.Endpoint{Name: "predict", Path: "/predict/"}), revision(4, 3)
	return rollout.Serving{Main: &r5, Aliases: map[string]events.Revision{"production": r3, "canary": r5},
		Versions: []events.Revision{r5, r4, r3}}
}

// TestRenderRoutingGolden pins the routing objects of every routing kind:
// the public paths (base path, alias and per-version segments, endpoint
// names), the rewrite to each endpoint's path, parent Gateway and hostnames,
// Ingress classes, hosts and ingress-nginx regex paths, and one per-version
// Service per pod template.
func TestRenderRoutingGolden(t *testing.T) {
	settings := map[string]*events.Routing{
		"gateway": {Gateway: &events.GatewayRouting{Name: "public", Namespace: "gateways", SectionName: "https"}},
		"ingress": {Kind: events.RoutingIngress, Ingress: &events.IngressRouting{ClassName: "traefik",
			Annotations: map[string]string{"traefik.ingress.kubernetes.io/router.middlewares": "models-strip@kubernetescrd"}}},
		"ingress-nginx": {Ingress: &events.IngressRouting{ClassName: "nginx", Host: "api.acme.example", Rewrite: events.IngressRewriteNginx}},
		"none":          nil,
	}
	for name, routing := range settings {
		t.Run(name, func(t *testing.T) {
			r := RenderRouting(routeRef, routeTarget, routing, routeServing())
			got, err := json.MarshalIndent(map[string]any{"kind": r.Kind, "paths": r.Paths, "versionServices": r.VersionServices,
				"httpRoutes": r.HTTPRoutes, "ingresses": r.Ingresses}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "routing-"+name+".golden.json"), got)
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
		t.Fatalf("%s changed:\n%s", path, got)
	}
}

func TestRoutePaths(t *testing.T) {
	main := revision(2, 0)
	tests := []struct {
		name    string
		baseURL string
		serving rollout.Serving
		rewrite bool
		want    []string
	}{
		{name: "root base URL", baseURL: "http://local.test", serving: rollout.Serving{Main: &main}, rewrite: true,
			want: []string{"/acme/fraud/scorer/predict -> scorer-4f4b8f61 as /predict"}},
		{name: "base path, no rewrite", baseURL: "http://10.0.0.1:8080/a/b/", serving: rollout.Serving{Main: &main},
			want: []string{"/a/b/acme/fraud/scorer/predict -> scorer-4f4b8f61"}},
		{name: "aliases sorted, versions as given", baseURL: "http://x", rewrite: true,
			serving: rollout.Serving{Aliases: map[string]events.Revision{"b": main, "a": main}, Versions: []events.Revision{revision(9, 7)}},
			want: []string{"/acme/fraud/scorer/a/predict -> " + kube.AliasServiceName("acme", "fraud", "scorer", "a") + " as /predict",
				"/acme/fraud/scorer/b/predict -> " + kube.AliasServiceName("acme", "fraud", "scorer", "b") + " as /predict",
				"/acme/fraud/scorer/v9/predict -> v-scorer-4f4b8f61-t7 as /predict"}},
		{name: "nothing served", baseURL: "http://x", want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target := events.TargetInfo{BaseURL: tc.baseURL, ObjectName: "scorer-4f4b8f61"}
			var got []string
			for _, p := range RoutePaths(routeRef, target, tc.serving, tc.rewrite) {
				s := p.Path + " -> " + p.Service
				if p.Rewrite != "" {
					s += " as " + p.Rewrite
				}
				got = append(got, s)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("paths:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestHTTPRoutesSplitAtTheRuleLimit: an HTTPRoute holds at most 16 rules;
// the rest go to further routes with stable names.
func TestHTTPRoutesSplitAtTheRuleLimit(t *testing.T) {
	var paths []events.RoutedPath
	for i := range 35 {
		paths = append(paths, events.RoutedPath{Path: fmt.Sprintf("/a/p/d/v%d/predict", i), Service: "s", Rewrite: "/predict"})
	}
	routes := RenderHTTPRoutes(routeRef, events.TargetInfo{Namespace: "n", ObjectName: "d-1"}, events.GatewayRouting{Name: "gw"}, paths)
	var names []string
	total := 0
	for _, r := range routes {
		names = append(names, r.GetName())
		rules := r.Object["spec"].(map[string]any)["rules"].([]any)
		if len(rules) > MaxRulesPerHTTPRoute {
			t.Fatalf("%s has %d rules", r.GetName(), len(rules))
		}
		total += len(rules)
	}
	if strings.Join(names, ",") != "d-1,d-1-2,d-1-3" || total != 35 {
		t.Fatalf("routes %v with %d rules", names, total)
	}
	if got := RenderHTTPRoutes(routeRef, events.TargetInfo{}, events.GatewayRouting{Name: "gw"}, nil); len(got) != 0 {
		t.Fatalf("no paths must render no route, got %d", len(got))
	}
}

func TestVersionTemplatesAreDistinct(t *testing.T) {
	got := VersionTemplates(routeServing())
	if fmt.Sprint(got) != "[3 5]" {
		t.Fatalf("templates %v, want [3 5]", got)
	}
}
