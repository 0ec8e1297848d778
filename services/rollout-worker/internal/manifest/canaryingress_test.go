package manifest

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	coreac "k8s.io/client-go/applyconfigurations/core/v1"
	netac "k8s.io/client-go/applyconfigurations/networking/v1"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/rollout"
)

// TestCanaryIngresses: on an ingress-nginx target a canary's split is a
// canary Ingress beside each Ingress of the main path (same host, class and
// paths, the new revision's per-version Service, canary-weight the split's
// weight), and a mirror is mirror-target on the main path's Ingresses only
// where the backend sees the public path; nothing of it on other targets or
// without a split.
func TestCanaryIngresses(t *testing.T) {
	canarySvc := kube.VersionServiceName(routeTarget.ObjectName, 5)
	mirrorURL := "http://" + canarySvc + ".models.svc.cluster.local$request_uri"
	tests := []struct {
		name    string
		ing     events.IngressRouting
		split   *rollout.Split
		canary  []string // the canary Ingresses' names
		mirror  []string // the Ingresses with a mirror-target
		wantSvc bool     // the canary's per-version Service rendered for the canary Ingress
	}{
		{name: "rewrite none: one canary Ingress, the mirror on the main one", ing: events.IngressRouting{ClassName: "nginx", Canary: events.IngressCanaryNginx},
			split:  &rollout.Split{StableTemplate: 3, CanaryTemplate: 5, Weight: 10, Mirror: 100},
			canary: []string{routeTarget.ObjectName + "-canary"}, mirror: []string{routeTarget.ObjectName}, wantSvc: true},
		{name: "rewrite nginx: a canary Ingress per endpoint path of the main path, no mirror",
			ing:   events.IngressRouting{ClassName: "nginx", Rewrite: events.IngressRewriteNginx},
			split: &rollout.Split{StableTemplate: 3, CanaryTemplate: 5, Weight: 50, Mirror: 100},
			canary: []string{IngressName(routeTarget.ObjectName, "/") + "-canary",
				IngressName(routeTarget.ObjectName, "/v1/models/scorer:predict") + "-canary"}, wantSvc: true},
		{name: "weight 0 keeps the canary Ingress", ing: events.IngressRouting{Canary: events.IngressCanaryNginx},
			split: &rollout.Split{StableTemplate: 3, CanaryTemplate: 5}, canary: []string{routeTarget.ObjectName + "-canary"}, wantSvc: true},
		{name: "no split: no canary Ingress", ing: events.IngressRouting{Canary: events.IngressCanaryNginx}},
		{name: "canary none: the weight is left to pods", ing: events.IngressRouting{Canary: events.IngressCanaryNone},
			split: &rollout.Split{StableTemplate: 3, CanaryTemplate: 5, Weight: 10, Mirror: 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			serving := routeServing()
			serving.Split = tt.split
			r := RenderRouting(routeRef, routeTarget, &events.Routing{Ingress: &tt.ing}, serving)
			var canaries, mirrored []string
			main := map[string]*netac.IngressApplyConfiguration{}
			for _, ing := range r.Ingresses {
				if ing.Annotations[NginxMirrorTarget] != "" {
					if ing.Annotations[NginxMirrorTarget] != mirrorURL {
						t.Errorf("%s mirrors to %q, want %q", *ing.Name, ing.Annotations[NginxMirrorTarget], mirrorURL)
					}
					mirrored = append(mirrored, *ing.Name)
				}
				if ing.Annotations[NginxCanary] == "" {
					main[*ing.Name] = ing
					continue
				}
				canaries = append(canaries, *ing.Name)
				if got := ing.Annotations[NginxCanary] + "/" + ing.Annotations[NginxCanaryWeight]; got != "true/"+itoa(tt.split.Weight) {
					t.Errorf("%s: canary/weight %q, want true/%d", *ing.Name, got, tt.split.Weight)
				}
				pair, ok := main[strings.TrimSuffix(*ing.Name, "-canary")]
				if !ok {
					t.Fatalf("%s has no main Ingress rendered before it", *ing.Name)
				}
				checkCanaryPaths(t, pair, ing, canarySvc)
			}
			slices.Sort(canaries)
			wantCanary := slices.Sorted(slices.Values(tt.canary))
			if !slices.Equal(canaries, wantCanary) {
				t.Errorf("canary Ingresses %q, want %q", canaries, wantCanary)
			}
			if !slices.Equal(mirrored, tt.mirror) {
				t.Errorf("mirrored Ingresses %q, want %q", mirrored, tt.mirror)
			}
			hasSvc := slices.ContainsFunc(r.VersionServices, func(s *coreac.ServiceApplyConfiguration) bool { return *s.Name == canarySvc })
			if tt.wantSvc && !hasSvc {
				t.Errorf("no per-version Service %s for the canary Ingress's backend", canarySvc)
			}
		})
	}
}

// checkCanaryPaths: the canary Ingress has the host, class and main-path
// paths of its main Ingress, each to the canary's Service.
func checkCanaryPaths(t *testing.T, main, canary *netac.IngressApplyConfiguration, canarySvc string) {
	t.Helper()
	if (main.Spec.IngressClassName == nil) != (canary.Spec.IngressClassName == nil) ||
		(main.Spec.IngressClassName != nil && *main.Spec.IngressClassName != *canary.Spec.IngressClassName) {
		t.Errorf("%s: another class than %s", *canary.Name, *main.Name)
	}
	mainRule, rule := main.Spec.Rules[0], canary.Spec.Rules[0]
	if *mainRule.Host != *rule.Host {
		t.Errorf("%s: host %q, main %q", *canary.Name, *rule.Host, *mainRule.Host)
	}
	mainPaths := map[string]bool{}
	for _, p := range mainRule.HTTP.Paths {
		if *p.Backend.Service.Name == routeTarget.ObjectName {
			mainPaths[*p.Path] = true
		}
	}
	if len(rule.HTTP.Paths) != len(mainPaths) {
		t.Errorf("%s: %d paths, want the main path's %d", *canary.Name, len(rule.HTTP.Paths), len(mainPaths))
	}
	for _, p := range rule.HTTP.Paths {
		if !mainPaths[*p.Path] || *p.Backend.Service.Name != canarySvc {
			t.Errorf("%s: path %q to %q, want a main path to %q", *canary.Name, *p.Path, *p.Backend.Service.Name, canarySvc)
		}
	}
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }
