package access

import (
	"sort"

	"slipway.dev/pkg/events"
)

// Principal is an authenticated caller.
type Principal struct {
	// Subject identifies the caller across requests: token:<id> for API
	// tokens, oidc:<user> for OIDC users, anonymous when auth is off.
	Subject string `json:"subject"`
	// Name is for people: the token's name, the OIDC user.
	Name        string         `json:"name"`
	Method      string         `json:"method"` // token, oidc, none
	Groups      []string       `json:"groups,omitempty"`
	GlobalAdmin bool           `json:"globalAdmin"`
	Grants      []events.Grant `json:"grants,omitempty"`
	// TokenID is set for API tokens.
	TokenID string `json:"tokenId,omitempty"`
}

// Anonymous is the caller when authentication is off: it may do anything.
var Anonymous = Principal{Subject: "anonymous", Name: "anonymous", Method: "none", GlobalAdmin: true}

// Actor is how commands, events and the audit log name the principal.
func (p Principal) Actor() string {
	switch p.Method {
	case "token":
		return "token:" + p.Name + "(" + p.TokenID + ")"
	case "oidc":
		return "user:" + p.Name
	}
	return "user:" + p.Subject
}

// RoleIn is the strongest role the principal holds on project (owner/project).
func (p Principal) RoleIn(project string) Role {
	if p.GlobalAdmin {
		return GlobalAdmin
	}
	best := None
	for _, g := range p.Grants {
		if !matches(g.Project, project) {
			continue
		}
		if r, err := ParseRole(g.Role); err == nil && r > best {
			best = r
		}
	}
	return best
}

// Can reports whether the principal holds at least role on project. A
// GlobalAdmin requirement ignores project.
func (p Principal) Can(role Role, project string) bool {
	if role == GlobalAdmin {
		return p.GlobalAdmin
	}
	return p.RoleIn(project) >= role
}

// Scope lists the project patterns the principal may read (nil for a
// global admin, who reads everything).
func (p Principal) Scope() (patterns []string, all bool) {
	if p.GlobalAdmin {
		return nil, true
	}
	seen := map[string]bool{}
	for _, g := range p.Grants {
		if !seen[g.Project] {
			seen[g.Project] = true
			patterns = append(patterns, g.Project)
		}
	}
	sort.Strings(patterns)
	return patterns, false
}

// Covers reports whether the principal may grant g: it must hold g's role
// (or admin) on every project g's pattern matches.
func (p Principal) Covers(g events.Grant) bool {
	if p.GlobalAdmin {
		return true
	}
	want, err := ParseRole(g.Role)
	if err != nil {
		return false
	}
	for _, own := range p.Grants {
		r, err := ParseRole(own.Role)
		if err != nil || r < Admin || r < want {
			continue
		}
		if own.Project == g.Project || matches(own.Project, g.Project) {
			return true
		}
	}
	return false
}
