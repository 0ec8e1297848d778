package events

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// TypePattern selects event types. It is the one grammar of webhook
// subscriptions' event filters and of the event stream's ?type=:
//
//   - "*": every type;
//   - an exact type: slipway.deployment.rollout_failed.v1;
//   - a prefix ending in "*": slipway.deployment.* or
//     slipway.deployment.rollout_*.
//
// A pattern must select at least one known type, so a typo is refused
// instead of silently matching nothing. "*" appears only at the end.
type TypePattern string

// ErrTypePattern is the error of every pattern ParseTypePattern refuses.
var ErrTypePattern = errors.New("invalid event type pattern")

// ParseTypePattern checks s against the grammar and the known types.
func ParseTypePattern(s string) (TypePattern, error) {
	prefix, isPrefix := strings.CutSuffix(s, "*")
	known := Types()
	switch {
	case s == "":
		return "", fmt.Errorf("%w: empty; want an event type, a prefix ending in * (like slipway.deployment.rollout_*), or *", ErrTypePattern)
	case strings.Contains(prefix, "*"):
		return "", fmt.Errorf("%w: %q has a * before its end; * may only end a prefix (like slipway.deployment.rollout_*)", ErrTypePattern, s)
	case isPrefix && !slices.ContainsFunc(known, func(t string) bool { return strings.HasPrefix(t, prefix) }):
		return "", fmt.Errorf("%w: %q is not a prefix of any event type (like slipway.deployment.rollout_*)", ErrTypePattern, s)
	case !isPrefix && !slices.Contains(known, s):
		return "", fmt.Errorf("%w: %q is not a known event type", ErrTypePattern, s)
	}
	return TypePattern(s), nil
}

// Matches reports whether eventType is selected by p.
func (p TypePattern) Matches(eventType string) bool {
	if prefix, ok := strings.CutSuffix(string(p), "*"); ok {
		return strings.HasPrefix(eventType, prefix)
	}
	return string(p) == eventType
}

// MatchesAny reports whether any of ps selects eventType.
func MatchesAny(ps []TypePattern, eventType string) bool {
	return slices.ContainsFunc(ps, func(p TypePattern) bool { return p.Matches(eventType) })
}
