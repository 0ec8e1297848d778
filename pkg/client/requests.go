package client

import (
	"time"

	"slipway.dev/pkg/events"
)

// Project names a project: owner/name.
type Project struct{ Owner, Name string }

func (p Project) String() string { return p.Owner + "/" + p.Name }

// Ref names a deployment: owner/project/name.
type Ref struct{ Owner, Project, Name string }

func (r Ref) String() string { return r.Owner + "/" + r.Project + "/" + r.Name }

func (r Ref) params(more ...string) []string {
	return append([]string{r.Owner, r.Project, r.Name}, more...)
}

// CommandOptions go with every command (a request that changes a
// deployment, an alias, a promotion or a target).
type CommandOptions struct {
	// Wait asks the API to answer when the operation ends, or after Wait
	// (at most 10 minutes) with the operation still going.
	Wait time.Duration `query:"wait"`
	// IdempotencyKey makes a retry of the same command answer the same
	// operation (empty: a new random key, kept across the client's retries).
	IdempotencyKey string `header:"Idempotency-Key"`
	// IfMatch makes an update conditional on the deployment's version (its
	// ETag, "<version>.<sequence>", or the version alone, quoted). Only
	// UpdateDeployment sends it.
	IfMatch string `header:"If-Match"`
}

// commandOptions are the options sent with commands other than updates.
type commandOptions struct {
	Wait           time.Duration `query:"wait"`
	IdempotencyKey string        `header:"Idempotency-Key"`
}

func (o CommandOptions) withoutIfMatch() commandOptions {
	return commandOptions{Wait: o.Wait, IdempotencyKey: o.IdempotencyKey}
}

// deleteOptions are a termination's options.
type deleteOptions struct {
	commandOptions
	FreeName bool `query:"freeName"`
}

// GetOptions make a read conditional.
type GetOptions struct {
	// IfNoneMatch is an ETag read before: the API answers 304 (the
	// client: ErrNotModified) while the deployment has not changed.
	IfNoneMatch string `header:"If-None-Match"`
}

// waitOptions are GET /v1/operations/{id}'s.
type waitOptions struct {
	Wait time.Duration `query:"wait"`
}

// PageOptions page through a list.
type PageOptions struct {
	// Limit is the page's size (0: the API's default).
	Limit int `query:"limit"`
	// Cursor is a page's NextCursor: read the page after it.
	Cursor string `query:"cursor"`
}

// DeploymentQuery filters GET /v1/deployments (the fleet); see the API's
// description of each parameter, and the query language of Q.
type DeploymentQuery struct {
	Target      string `query:"target"`
	Project     string `query:"project"`
	Owner       string `query:"owner"`
	Environment string `query:"environment"`
	// Labels are key=value selectors, all of which must match.
	Labels            []string `query:"label"`
	Search            string   `query:"search"`
	Status            string   `query:"status"`
	Health            string   `query:"health"`
	Q                 string   `query:"q"`
	IncludeTerminated bool     `query:"includeTerminated"`
	Sort              string   `query:"sort"`
	View              string   `query:"view"`
	PageOptions
}

// AuditQuery filters GET /v1/audit.
type AuditQuery struct {
	Actor      string `query:"actor"`
	Project    string `query:"project"`
	Deployment string `query:"deployment"`
	Kind       string `query:"kind"`
	Status     string `query:"status"`
	// From and To bound the acceptance time (RFC 3339).
	From string `query:"from"`
	To   string `query:"to"`
	PageOptions
}

// DeliveryQuery filters a webhook's delivery log.
type DeliveryQuery struct {
	State string `query:"state"`
	PageOptions
}

// EventFilter selects the events of the stream.
type EventFilter struct {
	Project    string `query:"project"`
	Deployment string `query:"deployment"`
	// Types are event types; a trailing * makes one a prefix.
	Types []string `query:"type"`
	// After starts after this event id ("0": the whole history; empty: from now).
	After string `query:"after"`
}

// streamOptions are a (re)connection's: the filter and the last event seen.
type streamOptions struct {
	EventFilter
	LastEventID string `header:"Last-Event-ID"`
}

// CreateDeploymentRequest is the body of a create.
type CreateDeploymentRequest struct {
	Name        string            `json:"name"`
	Target      string            `json:"target,omitempty"`
	Environment string            `json:"environment,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Spec        *events.Spec      `json:"spec"`
}

// UpdateDeploymentRequest is the body of an update: Spec is an RFC 7396
// merge patch of the spec (a map, or any value encoding to a JSON object;
// null removes a field).
type UpdateDeploymentRequest struct {
	Spec    any    `json:"spec"`
	Message string `json:"message,omitempty"`
}

// RollbackRequest rolls a deployment back to an earlier revision's spec.
type RollbackRequest struct {
	Revision int    `json:"revision"`
	Message  string `json:"message,omitempty"`
}

// RolloutControlRequest says why a rollout is paused, resumed or aborted.
type RolloutControlRequest struct {
	// Full, with RolloutPromote, moves a canary to its completion rather
	// than past its current step.
	Full    bool   `json:"full,omitempty"`
	Message string `json:"message,omitempty"`
}

// SetAliasRequest points an alias at a revision.
type SetAliasRequest struct {
	Revision int    `json:"revision"`
	Message  string `json:"message,omitempty"`
}

// PromotionRequest plans (DryRun) or plans and applies running Source's
// artifact on Target. New env keys and secret references of the source must
// be decided: a value (Env, Secrets) or the source's (UseSourceEnv,
// UseSourceSecrets).
type PromotionRequest struct {
	Source           string                         `json:"source"`
	SourceRevision   int                            `json:"sourceRevision,omitempty"`
	Target           string                         `json:"target"`
	DryRun           bool                           `json:"dryRun,omitempty"`
	Env              map[string]string              `json:"env,omitempty"`
	UseSourceEnv     []string                       `json:"useSourceEnv,omitempty"`
	Secrets          map[string]events.SecretKeyRef `json:"secrets,omitempty"`
	UseSourceSecrets []string                       `json:"useSourceSecrets,omitempty"`
	Message          string                         `json:"message,omitempty"`
}

// TargetRegistration registers a cluster; the connection is a reference to
// credentials, never credentials.
type TargetRegistration struct {
	Region        string                         `json:"region,omitempty"`
	Namespace     string                         `json:"namespace"`
	BaseURL       string                         `json:"baseURL"`
	InstanceTypes map[string]events.InstanceType `json:"instanceTypes"`
	Connection    events.TargetConnection        `json:"connection"`
	Routing       *events.Routing                `json:"routing,omitempty"`
	// PrometheusURL: the Prometheus canaries' checks on the target query
	// (empty: the workers' global one).
	PrometheusURL string `json:"prometheusURL,omitempty"`
}

// CreateTokenRequest makes an API token.
type CreateTokenRequest struct {
	Name        string         `json:"name"`
	GlobalAdmin bool           `json:"globalAdmin,omitempty"`
	Grants      []events.Grant `json:"grants,omitempty"`
	// ExpiresIn is a Go duration (720h); at most a year, default 90 days.
	ExpiresIn string `json:"expiresIn,omitempty"`
}

// CreateWebhookRequest subscribes URL to the events Events select.
type CreateWebhookRequest struct {
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Project     string   `json:"project,omitempty"`
	Description string   `json:"description,omitempty"`
}
