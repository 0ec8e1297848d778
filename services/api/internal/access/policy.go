package access

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"

	"sigs.k8s.io/yaml"

	"slipway.dev/pkg/events"
)

// Policy binds OIDC users and groups to roles, like Argo CD's RBAC policy:
//
//	globalAdmins: [group:platform-admins, user:ada@acme.example]
//	bindings:
//	  - subjects: [group:fraud-team]
//	    grants: [{project: acme/fraud, role: deployer}, {project: acme/*, role: viewer}]
type Policy struct {
	GlobalAdmins []string  `json:"globalAdmins,omitempty"`
	Bindings     []Binding `json:"bindings,omitempty"`
}

// Binding gives its subjects (user:<name> or group:<name>) grants.
type Binding struct {
	Subjects []string       `json:"subjects"`
	Grants   []events.Grant `json:"grants"`
}

// LoadPolicy reads a policy file (YAML or JSON).
func LoadPolicy(path string) (Policy, error) {
	var p Policy
	data, err := os.ReadFile(path)
	if err != nil {
		return p, fmt.Errorf("read policy: %w", err)
	}
	if err := yaml.UnmarshalStrict(data, &p); err != nil {
		return p, fmt.Errorf("policy %s: %w", path, err)
	}
	return p, p.Validate()
}

// Validate checks every subject and grant.
func (p Policy) Validate() error {
	check := func(where, s string) error {
		if len(s) < 6 || (s[:5] != "user:" && (len(s) < 7 || s[:6] != "group:")) {
			return fmt.Errorf("policy %s: subject %q: want user:<name> or group:<name>", where, s)
		}
		return nil
	}
	for _, s := range p.GlobalAdmins {
		if err := check("globalAdmins", s); err != nil {
			return err
		}
	}
	for i, b := range p.Bindings {
		for _, s := range b.Subjects {
			if err := check(fmt.Sprintf("bindings[%d]", i), s); err != nil {
				return err
			}
		}
		for j, g := range b.Grants {
			if err := ValidateGrant(g); err != nil {
				return fmt.Errorf("policy bindings[%d].grants[%d]: %w", i, j, err)
			}
		}
	}
	return nil
}

// For returns what user, a member of groups, may do.
func (p Policy) For(user string, groups []string) (global bool, grants []events.Grant) {
	subjects := []string{"user:" + user}
	for _, g := range groups {
		subjects = append(subjects, "group:"+g)
	}
	has := func(list []string) bool {
		for _, s := range list {
			if slices.Contains(subjects, s) {
				return true
			}
		}
		return false
	}
	global = has(p.GlobalAdmins)
	for _, b := range p.Bindings {
		if has(b.Subjects) {
			grants = append(grants, b.Grants...)
		}
	}
	return global, grants
}

// MarshalJSON keeps nil lists out of the config dump.
func (p Policy) String() string {
	b, _ := json.Marshal(p)
	return string(b)
}
