package worker

import (
	"testing"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
)

func TestRoutingChanges(t *testing.T) {
	withRouting := func(r *events.Routing) *kube.Target {
		return &kube.Target{TargetConfig: kube.TargetConfig{Name: "second", Routing: r}}
	}
	nginx := &events.Routing{Ingress: &events.IngressRouting{ClassName: "nginx"}}
	traefik := &events.Routing{Ingress: &events.IngressRouting{ClassName: "traefik"}}
	var c routingChanges
	steps := []struct {
		name string
		t    *kube.Target
		want bool
	}{
		{"first sight", withRouting(nginx), false},
		{"same routing again", withRouting(&events.Routing{Ingress: &events.IngressRouting{ClassName: "nginx"}}), false},
		{"another class", withRouting(traefik), true},
		{"routing removed", withRouting(nil), true},
		{"target removed", nil, false},
		{"registered again", withRouting(nginx), false},
	}
	for _, s := range steps {
		if got := c.changed("second", s.t); got != s.want {
			t.Fatalf("%s: changed = %v, want %v", s.name, got, s.want)
		}
	}
}
