package validation

import (
	"errors"
	"testing"

	"slipway.dev/pkg/events"
)

// Kubernetes accepts a maxSurge above 100% (more new pods than replicas at
// once) but a maxUnavailable of at most 100%.
func TestRolloutStrategyBounds(t *testing.T) {
	tests := []struct {
		surge, unavailable string
		field              string // "" = valid
	}{
		{"25%", "0", ""},
		{"100%", "0", ""},
		{"150%", "0", ""},
		{"3", "100%", ""},
		{"1", "150%", "spec.rollout.maxUnavailable"},
		{"1.5", "0", "spec.rollout.maxSurge"},
		{"x%", "0", "spec.rollout.maxSurge"},
		{"0", "0%", "spec.rollout"},
	}
	for _, tt := range tests {
		spec := events.Spec{Image: "img:1", Rollout: &events.Strategy{MaxSurge: tt.surge, MaxUnavailable: tt.unavailable}}
		err := Spec(spec.WithDefaults())
		var fe events.FieldErrors
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("maxSurge %q maxUnavailable %q: %v, want valid", tt.surge, tt.unavailable, err)
		case tt.field != "" && (!errors.As(err, &fe) || len(fe) != 1 || fe[0].Field != tt.field):
			t.Errorf("maxSurge %q maxUnavailable %q: %v, want one error on %s", tt.surge, tt.unavailable, err, tt.field)
		}
	}
}
