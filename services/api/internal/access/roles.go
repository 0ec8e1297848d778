package access

import (
	"fmt"
	"strings"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/validation"
)

// Role is what a principal may do in a project. Each role includes the ones
// below it.
type Role int

// Roles, weakest first.
const (
	None Role = iota
	// Viewer reads deployments, revisions, operations, events and audit.
	Viewer
	// Deployer also updates, rolls back, moves aliases and pauses, resumes
	// and aborts rollouts.
	Deployer
	// Admin also creates and terminates deployments, promotes into
	// production and manages the project's webhooks and tokens.
	Admin
	// GlobalAdmin is admin of every project and also manages targets,
	// unscoped webhooks and every token.
	GlobalAdmin
)

var roleNames = map[Role]string{None: "none", Viewer: "viewer", Deployer: "deployer", Admin: "admin", GlobalAdmin: "global-admin"}

func (r Role) String() string { return roleNames[r] }

// ParseRole reads a project role: viewer, deployer or admin.
func ParseRole(s string) (Role, error) {
	switch s {
	case "viewer":
		return Viewer, nil
	case "deployer":
		return Deployer, nil
	case "admin":
		return Admin, nil
	}
	return None, fmt.Errorf("role %q: want viewer, deployer or admin", s)
}

// ValidateGrant checks a grant's project pattern (owner/project or owner/*)
// and role.
func ValidateGrant(g events.Grant) error {
	if _, err := ParseRole(g.Role); err != nil {
		return err
	}
	owner, project, ok := strings.Cut(g.Project, "/")
	if !ok || validation.Name("owner", owner, 63) != nil || (project != "*" && validation.Name("project", project, 63) != nil) {
		return fmt.Errorf("project %q: want owner/project or owner/*", g.Project)
	}
	return nil
}

// matches reports whether a grant's pattern covers project (owner/project).
func matches(pattern, project string) bool {
	if pattern == project {
		return true
	}
	owner, rest, ok := strings.Cut(pattern, "/")
	return ok && rest == "*" && strings.HasPrefix(project, owner+"/")
}
