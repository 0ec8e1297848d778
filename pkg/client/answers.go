package client

import (
	"encoding/json"
	"time"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/specdiff"
)

// The API's answers. Field by field they are the OpenAPI document's schemas
// (TestClientsCoverTheDocument holds them to it); the parts that are the
// wire contract's own types (specs, replicas, phases, field errors, targets,
// grants, spec changes) are those types.

// Page is one page of a list; NextCursor, when not empty, reads the next.
type Page[T any] struct {
	Document
	Items      []T    `json:"items"`
	NextCursor string `json:"nextCursor"`
}

// Status is the answer of /healthz and /readyz.
type Status struct {
	Document
	Status string `json:"status"`
}

// Deployment is a deployment as GET of it answers. A fleet list's item is a
// summary of it (id, names, target, environment, labels, revisions, phase,
// health, image, replicas, endpoints, times and target reachability) unless
// the list asks for view=full.
type Deployment struct {
	Document
	ID              string                 `json:"id"`
	Owner           string                 `json:"owner"`
	Project         string                 `json:"project"`
	Name            string                 `json:"name"`
	Target          string                 `json:"target"`
	TargetSimulated bool                   `json:"targetSimulated,omitempty"`
	Namespace       string                 `json:"namespace"`
	ObjectName      string                 `json:"objectName"`
	Environment     string                 `json:"environment"`
	Labels          map[string]string      `json:"labels"`
	Revision        int                    `json:"revision"`
	RunningRevision int                    `json:"runningRevision"`
	Phase           events.DeploymentPhase `json:"phase"`
	Reason          string                 `json:"reason,omitempty"`
	Message         string                 `json:"message,omitempty"`
	Health          string                 `json:"health"`
	HealthReason    string                 `json:"healthReason,omitempty"`
	HealthDetail    *HealthDetail          `json:"healthDetail,omitempty"`
	Replicas        events.Replicas        `json:"replicas"`
	Scaling         ScalingState           `json:"scaling"`
	Image           string                 `json:"image"`
	InstanceType    string                 `json:"instanceType,omitempty"`
	Spec            *events.Spec           `json:"spec"`
	Endpoints       []EndpointURL          `json:"endpoints"`
	Rollout         *Rollout               `json:"rollout,omitempty"`
	Drift           *Drift                 `json:"drift,omitempty"`
	Aliases         []Alias                `json:"aliases"`
	Warm            []WarmRevision         `json:"warm"`
	Terminated      bool                   `json:"terminated"`
	CreatedAt       time.Time              `json:"createdAt"`
	UpdatedAt       time.Time              `json:"updatedAt"`
	// TargetReachability is in fleet lists: whether the target answered
	// the workers' last check (reachable, unreachable, unknown).
	TargetReachability string `json:"targetReachability,omitempty"`
	// ETag is the answer's ETag header, "<version>.<sequence>": give it (or
	// its version) as CommandOptions.IfMatch to update only an unchanged
	// deployment.
	ETag string `json:"-"`
}

// ScalingState is the replicas asked for, or the autoscaler's bounds.
type ScalingState struct {
	Replicas *int32 `json:"replicas,omitempty"`
	Min      int32  `json:"min,omitempty"`
	Max      int32  `json:"max,omitempty"`
}

// EndpointURL is an endpoint's canonical URLs.
type EndpointURL struct {
	Name       string `json:"name"`
	URL        string `json:"url"`
	VersionURL string `json:"versionUrl"`
	ClusterURL string `json:"clusterUrl"`
}

// HealthDetail says why a deployment has its health.
type HealthDetail struct {
	Message        string            `json:"message,omitempty"`
	Revision       int               `json:"revision,omitempty"`
	Pods           *events.PodCounts `json:"pods,omitempty"`
	ReadyEndpoints *int32            `json:"readyEndpoints,omitempty"`
	Since          time.Time         `json:"since"`
}

// Rollout is a revision's rollout.
type Rollout struct {
	Revision     int                 `json:"revision"`
	FromRevision int                 `json:"fromRevision,omitempty"`
	Phase        events.RolloutPhase `json:"phase"`
	Reason       string              `json:"reason,omitempty"`
	Message      string              `json:"message,omitempty"`
	Replicas     events.Replicas     `json:"replicas"`
	Paused       bool                `json:"paused,omitempty"`
	OperationID  string              `json:"operationId"`
	StartedAt    *time.Time          `json:"startedAt,omitempty"`
	BakeUntil    *time.Time          `json:"bakeUntil,omitempty"`
	FinishedAt   *time.Time          `json:"finishedAt,omitempty"`
	Canary       *Canary             `json:"canary,omitempty"`
}

// Canary is where a canary or blue-green rollout stands: its step, its
// traffic and the latest measurement of each check.
type Canary struct {
	Step           int    `json:"step"`
	Steps          int    `json:"steps"`
	Kind           string `json:"kind"`
	Weight         int32  `json:"weight"`
	Mirror         int32  `json:"mirror,omitempty"`
	CanaryReplicas int32  `json:"canaryReplicas"`
	StableReplicas int32  `json:"stableReplicas"`
	Approximated   bool   `json:"approximated,omitempty"`
	// Traffic is how the target carries the weight: gateway, ingress or pods.
	Traffic      string        `json:"traffic,omitempty"`
	PauseUntil   *time.Time    `json:"pauseUntil,omitempty"`
	Inconclusive string        `json:"inconclusive,omitempty"`
	Measurements []Measurement `json:"measurements,omitempty"`
}

// Measurement is one measurement of a canary's check.
type Measurement struct {
	Check  string    `json:"check"`
	Step   int       `json:"step"`
	Phase  string    `json:"phase"`
	Value  float64   `json:"value"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Drift is the last difference found between the cluster and the revision.
type Drift struct {
	Revision   int       `json:"revision"`
	Object     string    `json:"object"`
	Fields     []string  `json:"fields"`
	Managers   []string  `json:"managers,omitempty"`
	Deleted    bool      `json:"deleted,omitempty"`
	Action     string    `json:"action"`
	DetectedAt time.Time `json:"detectedAt"`
}

// Alias is a name pointing at a revision, with its URLs and moves.
type Alias struct {
	Name        string        `json:"name"`
	Revision    int           `json:"revision,omitempty"`
	Pending     int           `json:"pending,omitempty"`
	URLs        []EndpointURL `json:"urls"`
	History     []AliasMove   `json:"history"`
	LastFailure *AliasFailure `json:"lastFailure,omitempty"`
}

// AliasMove is one move of an alias (From 0: the alias was made).
type AliasMove struct {
	From  int       `json:"from,omitempty"`
	To    int       `json:"to"`
	Warm  bool      `json:"warm"`
	Actor string    `json:"actor"`
	At    time.Time `json:"at"`
}

// AliasFailure is the last move of an alias that failed.
type AliasFailure struct {
	Revision int       `json:"revision"`
	Reason   string    `json:"reason"`
	Message  string    `json:"message"`
	At       time.Time `json:"at"`
}

// WarmRevision is an earlier revision kept running.
type WarmRevision struct {
	Revision int          `json:"revision"`
	Serves   []string     `json:"serves"`
	URLs     []VersionURL `json:"urls"`
}

// VersionURL is an endpoint's URL at one revision.
type VersionURL struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Operation is the life of one accepted command.
type Operation struct {
	Document
	ID         string              `json:"id"`
	Kind       string              `json:"kind"`
	Deployment string              `json:"deployment"`
	Status     string              `json:"status"`
	Reason     string              `json:"reason,omitempty"`
	Message    string              `json:"message,omitempty"`
	Fields     []events.FieldError `json:"fields,omitempty"`
	Revision   int                 `json:"revision,omitempty"`
	Actor      string              `json:"actor"`
	Replicas   *events.Replicas    `json:"replicas,omitempty"`
	Diff       []specdiff.Change   `json:"diff,omitempty"`
	AcceptedAt time.Time           `json:"acceptedAt"`
	UpdatedAt  time.Time           `json:"updatedAt"`
	FinishedAt *time.Time          `json:"finishedAt,omitempty"`
	Target     string              `json:"target,omitempty"`
}

// Operation statuses.
const (
	OpAccepted  = "accepted"
	OpRunning   = "running"
	OpSucceeded = "succeeded"
	OpFailed    = "failed"
	OpRejected  = "rejected"
)

// Ended reports whether the operation has its outcome.
func (o Operation) Ended() bool {
	return o.Status == OpSucceeded || o.Status == OpFailed || o.Status == OpRejected
}

// Err is nil unless the operation ended failed or rejected, when it is an
// *OperationError.
func (o Operation) Err() error {
	if o.Status == OpFailed || o.Status == OpRejected {
		return &OperationError{Operation: o}
	}
	return nil
}

// Revision is one immutable revision of a deployment.
type Revision struct {
	Document
	Deployment       string       `json:"deployment"`
	Number           int          `json:"revision"`
	Cause            string       `json:"cause"`
	CauseText        string       `json:"causeText"`
	Message          string       `json:"message,omitempty"`
	Actor            string       `json:"actor"`
	OperationID      string       `json:"operationId"`
	RollbackOf       int          `json:"rollbackOf,omitempty"`
	TemplateRevision int          `json:"templateRevision"`
	Spec             *events.Spec `json:"spec"`
	Rollout          Rollout      `json:"rollout"`
	CreatedAt        time.Time    `json:"createdAt"`
}

// Diff is the difference from one revision's spec to another's.
type Diff struct {
	Document
	From    int               `json:"from"`
	To      int               `json:"to"`
	Changes []specdiff.Change `json:"changes"`
	Text    string            `json:"text"`
}

// Promotion is a plan to run one deployment's artifact on another, and the
// operations that applied it.
type Promotion struct {
	Document
	ID             string   `json:"id"`
	Source         string   `json:"source"`
	SourceRevision int      `json:"sourceRevision"`
	Target         string   `json:"target"`
	TargetRevision int      `json:"targetRevision"`
	DryRun         bool     `json:"dryRun"`
	Message        string   `json:"message,omitempty"`
	Missing        []string `json:"missing"`
	MissingSecrets []string `json:"missingSecrets"`
	// Plan is the promoter's plan document (the PromotionPlan schema).
	Plan         json.RawMessage `json:"plan"`
	Applications []Application   `json:"applications"`
	Actor        string          `json:"actor"`
	CreatedAt    time.Time       `json:"createdAt"`
	// Status is derived from the operations: needs-input, planned,
	// applying, applied, failed or rejected; Reason says why it failed.
	Status   string `json:"status"`
	Reason   string `json:"reason,omitempty"`
	DiffText string `json:"diffText"`
}

// Application is one application of a promotion's plan.
type Application struct {
	Operation string    `json:"operation"`
	Actor     string    `json:"actor"`
	At        time.Time `json:"at"`
}

// Target is a cluster deployments run on: the record workers publish.
type Target struct {
	Document
	events.TargetRecord
}

// Token is an API token as the API shows it (never its value or hash).
type Token struct {
	Document
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	GlobalAdmin bool           `json:"globalAdmin"`
	Grants      []events.Grant `json:"grants,omitempty"`
	CreatedBy   string         `json:"createdBy"`
	CreatedAt   time.Time      `json:"createdAt"`
	ExpiresAt   *time.Time     `json:"expiresAt,omitempty"`
	RevokedAt   *time.Time     `json:"revokedAt,omitempty"`
}

// CreatedToken is the one answer that holds a token's value.
type CreatedToken struct {
	Token
	// Value is the token (slw_…): shown once, send it as the bearer token.
	Value string `json:"token"`
}

// Whoami is the API's view of the caller.
type Whoami struct {
	Document
	Actor     string    `json:"actor"`
	Principal Principal `json:"principal"`
}

// Principal is who a request comes from and what they may do.
type Principal struct {
	Subject     string         `json:"subject"`
	Name        string         `json:"name"`
	Method      string         `json:"method"`
	Groups      []string       `json:"groups,omitempty"`
	GlobalAdmin bool           `json:"globalAdmin"`
	Grants      []events.Grant `json:"grants,omitempty"`
	TokenID     string         `json:"tokenId,omitempty"`
}

// Webhook is a webhook subscription.
type Webhook struct {
	Document
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	Events      []string  `json:"events"`
	Project     string    `json:"project,omitempty"`
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
}

// CreatedWebhook is the one answer that holds a subscription's signing secret.
type CreatedWebhook struct {
	Document
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	Events      []string  `json:"events"`
	Project     string    `json:"project,omitempty"`
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	// Secret signs deliveries (Standard Webhooks, whsec_…): shown once.
	Secret string `json:"secret"`
}

// WebhookDelivery is one event's delivery to a subscription.
type WebhookDelivery struct {
	Document
	ID            string     `json:"id"`
	Subscription  string     `json:"subscription"`
	EventID       string     `json:"eventId"`
	EventType     string     `json:"eventType"`
	EventSeq      uint64     `json:"eventSeq"`
	State         string     `json:"state"`
	Attempts      int        `json:"attempts"`
	LastStatus    int        `json:"lastStatus,omitempty"`
	LastError     string     `json:"lastError,omitempty"`
	LastAttemptAt *time.Time `json:"lastAttemptAt,omitempty"`
	NextAttemptAt *time.Time `json:"nextAttemptAt,omitempty"`
	DeliveredAt   *time.Time `json:"deliveredAt,omitempty"`
	CreatedAt     time.Time  `json:"createdAt"`
}
