package events

import (
	"errors"
	"testing"
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
		spec := Spec{Image: "img:1", Rollout: &Strategy{MaxSurge: tt.surge, MaxUnavailable: tt.unavailable}}
		err := spec.WithDefaults().Validate()
		var fe FieldErrors
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("maxSurge %q maxUnavailable %q: %v, want valid", tt.surge, tt.unavailable, err)
		case tt.field != "" && (!errors.As(err, &fe) || len(fe) != 1 || fe[0].Field != tt.field):
			t.Errorf("maxSurge %q maxUnavailable %q: %v, want one error on %s", tt.surge, tt.unavailable, err, tt.field)
		}
	}
}
