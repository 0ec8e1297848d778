package events

import "time"

// Access events are decided by the api, which is the authority on who may
// do what: it publishes them to EVENTS itself (no command precedes them), so
// the audit log shows denials and token changes next to the operations.
// None of them carries a credential: a token appears by id and name only.

// AccessDenied records a request refused for lack of a role (403). Requests
// without valid credentials (401) are logged, not recorded: they have no
// actor to audit.
type AccessDenied struct {
	Method string `json:"method"`
	Route  string `json:"route"`
	// Project is owner/project when the request named one.
	Project    string `json:"project,omitempty"`
	Deployment string `json:"deployment,omitempty"`
	// Required is the role the request needed (viewer, deployer, admin,
	// global-admin); Had is the best the actor holds on the project.
	Required string `json:"required"`
	Had      string `json:"had,omitempty"`
	Message  string `json:"message"`
}

func (AccessDenied) Type() string { return "slipway.access.denied.v1" }

// Grant gives a role on the projects a pattern matches: owner/project, or
// owner/* for every project of the owner.
type Grant struct {
	Project string `json:"project"`
	Role    string `json:"role"`
}

// APITokenCreated records a new API token: who made it and what it may do.
type APITokenCreated struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	GlobalAdmin bool       `json:"globalAdmin,omitempty"`
	Grants      []Grant    `json:"grants,omitempty"`
	ExpiresAt   *time.Time `json:"expiresAt,omitempty"`
}

func (APITokenCreated) Type() string { return "slipway.access.token_created.v1" }

// APITokenRevoked records that a token stopped working.
type APITokenRevoked struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (APITokenRevoked) Type() string { return "slipway.access.token_revoked.v1" }
