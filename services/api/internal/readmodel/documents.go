// Package readmodel holds the api's query-side documents, how events project
// into them (pure), and their MongoDB store. Documents derive from events
// alone, so replaying EVENTS into an empty database rebuilds them exactly.
package readmodel

import (
	"time"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/specdiff"
)

// Deployment is the read model of one deployment: what GET returns.
type Deployment struct {
	ID              string          `bson:"_id" json:"id"`
	Owner           string          `bson:"owner" json:"owner"`
	Project         string          `bson:"project" json:"project"`
	Name            string          `bson:"name" json:"name"`
	Target          string          `bson:"target" json:"target"`
	TargetSimulated bool            `bson:"targetSimulated,omitempty" json:"targetSimulated,omitempty"`
	Namespace       string          `bson:"namespace" json:"namespace"`
	BaseURL         string          `bson:"baseURL" json:"-"`
	ObjectName      string          `bson:"objectName" json:"objectName"`
	Environment     string          `bson:"environment" json:"environment"`
	Labels          []Label         `bson:"labels" json:"-"`
	LabelMap        Labels          `bson:"-" json:"labels"`
	Revision        int             `bson:"revision" json:"revision"`
	RunningRevision int             `bson:"runningRevision" json:"runningRevision"`
	Phase           DeploymentPhase `bson:"phase" json:"phase"`
	Reason          string          `bson:"reason,omitempty" json:"reason,omitempty"`
	Message         string          `bson:"message,omitempty" json:"message,omitempty"`
	Health          string          `bson:"health" json:"health"`
	HealthReason    string          `bson:"healthReason,omitempty" json:"healthReason,omitempty"`
	HealthDetail    *HealthDetail   `bson:"healthDetail,omitempty" json:"healthDetail,omitempty"`
	Replicas        events.Replicas `bson:"replicas" json:"replicas"`
	Scaling         Scaling         `bson:"scaling" json:"scaling"`
	Image           string          `bson:"image" json:"image"`
	InstanceType    string          `bson:"instanceType,omitempty" json:"instanceType,omitempty"`
	// SpecJSON is the current revision's spec as JSON: spec maps may have
	// keys with dots, which are not safe document field names.
	SpecJSON  string        `bson:"spec" json:"-"`
	Spec      *events.Spec  `bson:"-" json:"spec"`
	Endpoints []EndpointURL `bson:"endpoints" json:"endpoints"`
	Rollout   *Rollout      `bson:"rollout,omitempty" json:"rollout,omitempty"`
	Drift     *Drift        `bson:"drift,omitempty" json:"drift,omitempty"`
	// Aliases in name order, with where they point and how they moved.
	Aliases []Alias `bson:"aliases" json:"aliases"`
	// Warm lists the revisions whose pods run, newest first, with their
	// per-version URLs (warm.go).
	Warm []WarmRevision `bson:"warm" json:"warm"`
	// Seen is what the warm list needs to know of recent revisions.
	Seen []seenRevision `bson:"seen,omitempty" json:"-"`
	// Terminated deployments keep their document and history.
	Terminated bool      `bson:"terminated" json:"terminated"`
	CreatedAt  time.Time `bson:"createdAt" json:"createdAt"`
	UpdatedAt  time.Time `bson:"updatedAt" json:"updatedAt"`
	// Seq is the stream sequence of the last event applied: the projection's
	// guard against stale or repeated events.
	Seq uint64 `bson:"seq" json:"-"`
	// Version is the sequence of the last event that changed what clients
	// control (events.MovesVersion): what If-Match conditions on. The ETag
	// carries both.
	Version uint64 `bson:"version" json:"-"`
}

// Label is one label, stored as a pair because keys may contain dots.
type Label struct {
	Key   string `bson:"k"`
	Value string `bson:"v"`
}

// Labels is the JSON form of a label set.
type Labels map[string]string

// Scaling is how many replicas the deployment asks for.
type Scaling struct {
	Replicas *int32 `bson:"replicas,omitempty" json:"replicas,omitempty"`
	Min      int32  `bson:"min,omitempty" json:"min,omitempty"`
	Max      int32  `bson:"max,omitempty" json:"max,omitempty"`
}

// EndpointURL is where a named endpoint is served.
type EndpointURL struct {
	Name string `bson:"name" json:"name"`
	// URL is the canonical public URL; VersionURL the current revision's
	// own (<...>/v<N>/<endpoint>); ClusterURL the in-cluster one.
	URL        string `bson:"url" json:"url"`
	VersionURL string `bson:"versionUrl" json:"versionUrl"`
	ClusterURL string `bson:"clusterUrl" json:"clusterUrl"`
}

// Alias is an alias of a deployment: the revision it serves, one it is
// moving to, its canonical URLs and the history of its moves.
type Alias struct {
	Name     string        `bson:"name" json:"name"`
	Revision int           `bson:"revision,omitempty" json:"revision,omitempty"`
	Pending  int           `bson:"pending,omitempty" json:"pending,omitempty"`
	URLs     []EndpointURL `bson:"urls" json:"urls"`
	History  []AliasMove   `bson:"history" json:"history"`
	// PendingBy is who asked for the move in progress; PendingOperation its
	// operation, ended by the projector when the move ends without an
	// outcome of its own (set again, deleted, terminated).
	PendingBy        string `bson:"pendingBy,omitempty" json:"-"`
	PendingOperation string `bson:"pendingOp,omitempty" json:"-"`
	// LastFailure is the last move that failed, until a move succeeds.
	LastFailure *AliasFailure `bson:"lastFailure,omitempty" json:"lastFailure,omitempty"`
}

// AliasFailure is a move of an alias that failed: the alias stayed where it was.
type AliasFailure struct {
	Revision int       `bson:"revision" json:"revision"`
	Reason   string    `bson:"reason" json:"reason"`
	Message  string    `bson:"message" json:"message"`
	At       time.Time `bson:"at" json:"at"`
}

// AliasMove is one move of an alias.
type AliasMove struct {
	From  int       `bson:"from,omitempty" json:"from,omitempty"`
	To    int       `bson:"to" json:"to"`
	Warm  bool      `bson:"warm" json:"warm"`
	Actor string    `bson:"actor" json:"actor"`
	At    time.Time `bson:"at" json:"at"`
}

// Rollout is the latest rollout of a deployment.
type Rollout struct {
	Revision     int             `bson:"revision" json:"revision"`
	FromRevision int             `bson:"fromRevision,omitempty" json:"fromRevision,omitempty"`
	Phase        RolloutPhase    `bson:"phase" json:"phase"`
	Reason       string          `bson:"reason,omitempty" json:"reason,omitempty"`
	Message      string          `bson:"message,omitempty" json:"message,omitempty"`
	Replicas     events.Replicas `bson:"replicas" json:"replicas"`
	Paused       bool            `bson:"paused,omitempty" json:"paused,omitempty"`
	OperationID  string          `bson:"operationId" json:"operationId"`
	StartedAt    *time.Time      `bson:"startedAt,omitempty" json:"startedAt,omitempty"`
	// BakeUntil is when a baking rollout (phase Baking) succeeds.
	BakeUntil  *time.Time `bson:"bakeUntil,omitempty" json:"bakeUntil,omitempty"`
	FinishedAt *time.Time `bson:"finishedAt,omitempty" json:"finishedAt,omitempty"`
}

// HealthDetail is what the health monitor last reported.
type HealthDetail struct {
	Message        string            `bson:"message,omitempty" json:"message,omitempty"`
	Revision       int               `bson:"revision,omitempty" json:"revision,omitempty"`
	Pods           *events.PodCounts `bson:"pods,omitempty" json:"pods,omitempty"`
	ReadyEndpoints *int32            `bson:"readyEndpoints,omitempty" json:"readyEndpoints,omitempty"`
	Since          time.Time         `bson:"since" json:"since"`
}

// Drift is the last change made to the deployment's objects outside Slipway.
type Drift struct {
	Revision   int       `bson:"revision" json:"revision"`
	Object     string    `bson:"object" json:"object"`
	Fields     []string  `bson:"fields" json:"fields"`
	Managers   []string  `bson:"managers,omitempty" json:"managers,omitempty"`
	Deleted    bool      `bson:"deleted,omitempty" json:"deleted,omitempty"`
	Action     string    `bson:"action" json:"action"`
	DetectedAt time.Time `bson:"detectedAt" json:"detectedAt"`
}

// Operation is the life of one accepted command.
type Operation struct {
	ID         string              `bson:"_id" json:"id"`
	Kind       string              `bson:"kind" json:"kind"`
	Deployment string              `bson:"deployment" json:"deployment"`
	Owner      string              `bson:"owner" json:"-"`
	Project    string              `bson:"project" json:"-"`
	Status     string              `bson:"status" json:"status"`
	Reason     string              `bson:"reason,omitempty" json:"reason,omitempty"`
	Message    string              `bson:"message,omitempty" json:"message,omitempty"`
	Fields     []events.FieldError `bson:"fields,omitempty" json:"fields,omitempty"`
	Revision   int                 `bson:"revision,omitempty" json:"revision,omitempty"`
	Actor      string              `bson:"actor" json:"actor"`
	Replicas   *events.Replicas    `bson:"replicas,omitempty" json:"replicas,omitempty"`
	// Diff is what the operation changed in the spec, for the audit log.
	Diff       []specdiff.Change `bson:"diff,omitempty" json:"diff,omitempty"`
	AcceptedAt time.Time         `bson:"acceptedAt" json:"acceptedAt"`
	UpdatedAt  time.Time         `bson:"updatedAt" json:"updatedAt"`
	FinishedAt *time.Time        `bson:"finishedAt,omitempty" json:"finishedAt,omitempty"`
	Seq        uint64            `bson:"seq" json:"-"`
	// Target names the target of a target command (Deployment is then empty).
	Target string `bson:"target,omitempty" json:"target,omitempty"`
}

// Operation statuses.
const (
	OpAccepted  = "accepted"
	OpRunning   = "running"
	OpSucceeded = "succeeded"
	OpFailed    = "failed"
	OpRejected  = "rejected"
	// OpDenied: the api refused the request for lack of a role (an audit
	// entry; no command was written).
	OpDenied = "denied"
)

// Ended reports whether the operation reached a final status.
func (o Operation) Ended() bool {
	return o.Status == OpSucceeded || o.Status == OpFailed || o.Status == OpRejected || o.Status == OpDenied
}

// DeploymentPhase and RolloutPhase are the contract's phases, which the
// documents show as they are.
type (
	DeploymentPhase = events.DeploymentPhase
	RolloutPhase    = events.RolloutPhase
)

func (d *Deployment) baseURL() string { return d.BaseURL }
