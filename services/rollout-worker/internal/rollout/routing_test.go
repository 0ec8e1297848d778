package rollout

import (
	"fmt"
	"testing"

	"slipway.dev/pkg/events"
)

func rev(n, template int, keepWarm int32) events.Revision {
	return events.Revision{Number: n, TemplateRevision: template, Spec: events.Spec{Image: fmt.Sprintf("img:%d", n), KeepWarm: keepWarm}.WithDefaults()}
}

func succeeded(n int) events.RolloutSucceeded { return events.RolloutSucceeded{Revision: n} }

func served(s Serving) string {
	out := "main="
	if s.Main != nil {
		out += fmt.Sprint(s.Main.Number)
	}
	for _, name := range []string{"production", "staging"} {
		if r, ok := s.Aliases[name]; ok {
			out += fmt.Sprintf(" %s=%d", name, r.Number)
		}
	}
	out += " versions="
	for _, r := range s.Versions {
		out += fmt.Sprintf("v%d", r.Number)
	}
	return out
}

// TestServedRevisions: the main path serves the current revision; an alias
// has a path once it serves a revision; per-version paths exist for the
// revisions whose pods are warm: the last one rolled out, aliased ones and
// kept-warm ones — never a revision whose rollout is still running or failed.
func TestServedRevisions(t *testing.T) {
	c := created()
	r2 := events.RevisionCreated{Revision: rev(2, 0, 1)}
	r3 := events.RevisionCreated{Revision: rev(3, 0, 1)}
	tests := []struct {
		name  string
		state State
		want  string
	}{
		{"rolling out the first revision", history(c), "main=1 versions="},
		{"rolled out", history(c, succeeded(1)), "main=1 versions=v1"},
		{"second revision rolling out", history(c, succeeded(1), r2), "main=2 versions=v1"},
		{"second rolled out, first kept warm", history(c, succeeded(1), r2, succeeded(2)), "main=2 versions=v2v1"},
		{"third failed: v2 stays (kept warm, keepWarm 1)", history(c, succeeded(1), r2, succeeded(2), r3,
			events.RolloutFailed{Revision: 3}), "main=3 versions=v2"},
		{"alias moving has no path yet", history(c, succeeded(1), events.AliasSet{Alias: "production", Revision: 1}),
			"main=1 versions=v1"},
		{"aliases", history(c, succeeded(1), r2, succeeded(2), r3, succeeded(3),
			events.AliasSet{Alias: "production", Revision: 1}, events.AliasMoved{Alias: "production", Revision: 1},
			events.AliasSet{Alias: "staging", Revision: 3}, events.AliasMoved{Alias: "staging", Revision: 3}),
			"main=3 production=1 staging=3 versions=v3v2v1"},
		{"terminated", history(c, succeeded(1), events.DeploymentTerminated{Revision: 1}), "main= versions="},
		{"absent", State{}, "main= versions="},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := served(ServedRevisions(tc.state)); got != tc.want {
				t.Fatalf("served %q, want %q", got, tc.want)
			}
		})
	}
}

// TestDecideRoutingOnlyOnChange: re-rendering the same routes appends
// nothing; a new outcome is appended; a deployment never routed whose
// target has no routing records nothing.
func TestDecideRoutingOnlyOnChange(t *testing.T) {
	applied := events.RoutingChanged{Kind: events.RoutingIngress, Reason: events.ReasonRoutesApplied,
		Objects: []string{"networking.k8s.io/v1 Ingress models/scorer"}, Paths: []events.RoutedPath{{Path: "/a/p/scorer/predict", Service: "s"}}}
	missing := events.RoutingChanged{Kind: events.RoutingGateway, Reason: events.ReasonGatewayAPIMissing, Message: "no CRDs"}
	removed := events.RoutingChanged{Kind: events.RoutingNone, Reason: events.ReasonRoutesRemoved}
	tests := []struct {
		name   string
		state  State
		ev     events.RoutingChanged
		append bool
	}{
		{"first routes", history(created()), applied, true},
		{"same routes again", history(created(), applied), applied, false},
		{"same routes, empty lists as nil", history(created(), missing), events.RoutingChanged{Kind: events.RoutingGateway,
			Reason: events.ReasonGatewayAPIMissing, Message: "no CRDs", Objects: []string{}}, false},
		{"no Gateway API", history(created(), applied), missing, true},
		{"never routed, nothing to remove", history(created()), removed, false},
		{"routes removed", history(created(), applied), removed, true},
		{"terminated", history(created(), events.DeploymentTerminated{Revision: 1}), applied, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := DecideRouting(tc.state, tc.ev); (len(got) == 1) != tc.append {
				t.Fatalf("appended %v, want append=%v", got, tc.append)
			}
		})
	}
}

func TestRoutingStale(t *testing.T) {
	nginx := &events.Routing{Ingress: &events.IngressRouting{ClassName: "nginx"}}
	traefik := &events.Routing{Ingress: &events.IngressRouting{ClassName: "traefik"}}
	routed := func(setting *events.Routing) events.Message {
		return events.RoutingChanged{Kind: setting.EffectiveKind(), Reason: events.ReasonRoutesApplied, Setting: setting.Fingerprint()}
	}
	tests := []struct {
		name    string
		state   State
		setting *events.Routing
		want    bool
	}{
		{"never routed, none", history(created()), nil, false},
		{"never routed, ingress now", history(created()), nginx, true},
		{"rendered with this setting", history(created(), routed(nginx)), nginx, false},
		{"another ingress class now", history(created(), routed(nginx)), traefik, true},
		{"routing removed from the target", history(created(), routed(nginx)), nil, true},
		{"recorded before settings were", history(created(), events.RoutingChanged{Kind: events.RoutingIngress, Reason: events.ReasonRoutesApplied}), nginx, true},
		{"terminated", history(created(), routed(nginx), events.DeploymentTerminated{}), traefik, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RoutingStale(tt.state, tt.setting); got != tt.want {
				t.Fatalf("stale %v, want %v", got, tt.want)
			}
		})
	}
	if nginx.Fingerprint() != (&events.Routing{Ingress: &events.IngressRouting{ClassName: "nginx"}}).Fingerprint() ||
		nginx.Fingerprint() == traefik.Fingerprint() || (*events.Routing)(nil).Fingerprint() != events.RoutingNone ||
		(&events.Routing{Kind: events.RoutingNone}).Fingerprint() != events.RoutingNone {
		t.Fatal("fingerprints: equal settings must match, others differ, none is none")
	}
}
