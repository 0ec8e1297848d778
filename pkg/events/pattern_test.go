package events

import (
	"errors"
	"testing"
)

func TestTypePatterns(t *testing.T) {
	const failed, created = "slipway.deployment.rollout_failed.v1", "slipway.deployment.created.v1"
	tests := []struct {
		pattern        string
		ok             bool
		failed, create bool // whether it selects each type
	}{
		{"*", true, true, true},
		{"slipway.deployment.*", true, true, true},
		{"slipway.deployment.rollout_*", true, true, false},
		{"slipway.deploy*", true, true, true},
		{failed, true, true, false},
		{"", false, false, false},
		{"a*b", false, false, false},
		{"slipway.*.rollout_*", false, false, false},
		{"**", false, false, false},
		{"slipway.deploymnet.*", false, false, false},
		{"slipway.deployment.nope.v1", false, false, false},
		{"slipway.deployment.rollout_failed", false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			p, err := ParseTypePattern(tt.pattern)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseTypePattern(%q) = %v, want ok=%v", tt.pattern, err, tt.ok)
			}
			if err != nil {
				if !errors.Is(err, ErrTypePattern) {
					t.Fatalf("error %v is not ErrTypePattern", err)
				}
				return
			}
			if got := p.Matches(failed); got != tt.failed {
				t.Errorf("matches %s: %v, want %v", failed, got, tt.failed)
			}
			if got := p.Matches(created); got != tt.create {
				t.Errorf("matches %s: %v, want %v", created, got, tt.create)
			}
		})
	}
	if MatchesAny(nil, failed) || !MatchesAny([]TypePattern{"slipway.target.*", "slipway.deployment.rollout_*"}, failed) {
		t.Error("MatchesAny is not any")
	}
}
