// Package readmodel holds the api's query-side documents, how events project
// into them (pure), and their MongoDB store. Documents derive from events
// alone, so replaying EVENTS into an empty database rebuilds them exactly.
// Documents are the store's (bson tags only): the HTTP API maps them to
// bodies of its own, so a change of storage is not a change of the API.
// Fields tagged bson:"-" are decoded forms of stored ones, filled by Present.
package readmodel

import (
	"time"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/specdiff"
)

// Deployment is the read model of one deployment.
type Deployment struct {
	ID              string          `bson:"_id"`
	Owner           string          `bson:"owner"`
	Project         string          `bson:"project"`
	Name            string          `bson:"name"`
	Target          string          `bson:"target"`
	TargetSimulated bool            `bson:"targetSimulated,omitempty"`
	Namespace       string          `bson:"namespace"`
	BaseURL         string          `bson:"baseURL"`
	ObjectName      string          `bson:"objectName"`
	Environment     string          `bson:"environment"`
	Labels          []Label         `bson:"labels"`
	LabelMap        Labels          `bson:"-"`
	Revision        int             `bson:"revision"`
	RunningRevision int             `bson:"runningRevision"`
	Phase           DeploymentPhase `bson:"phase"`
	Reason          string          `bson:"reason,omitempty"`
	Message         string          `bson:"message,omitempty"`
	Health          string          `bson:"health"`
	HealthReason    string          `bson:"healthReason,omitempty"`
	HealthDetail    *HealthDetail   `bson:"healthDetail,omitempty"`
	Replicas        events.Replicas `bson:"replicas"`
	Scaling         Scaling         `bson:"scaling"`
	Image           string          `bson:"image"`
	InstanceType    string          `bson:"instanceType,omitempty"`
	// SpecJSON is the current revision's spec as JSON: spec maps may have
	// keys with dots, which are not safe document field names.
	SpecJSON  string        `bson:"spec"`
	Spec      *events.Spec  `bson:"-"`
	Endpoints []EndpointURL `bson:"endpoints"`
	Rollout   *Rollout      `bson:"rollout,omitempty"`
	Drift     *Drift        `bson:"drift,omitempty"`
	// Aliases in name order, with where they point and how they moved.
	Aliases []Alias `bson:"aliases"`
	// Warm lists the revisions whose pods run, newest first, with their
	// per-version URLs (warm.go).
	Warm []WarmRevision `bson:"warm"`
	// Seen is what the warm list needs to know of recent revisions.
	Seen []seenRevision `bson:"seen,omitempty"`
	// Terminated deployments keep their document and history.
	Terminated bool      `bson:"terminated"`
	CreatedAt  time.Time `bson:"createdAt"`
	UpdatedAt  time.Time `bson:"updatedAt"`
	// Seq is the stream sequence of the last event applied: the projection's
	// guard against stale or repeated events.
	Seq uint64 `bson:"seq"`
	// Version is the sequence of the last event that changed what clients
	// control (events.MovesVersion): what If-Match conditions on. The ETag
	// carries both.
	Version uint64 `bson:"version"`
}

// Label is one label, stored as a pair because keys may contain dots.
type Label struct {
	Key   string `bson:"k"`
	Value string `bson:"v"`
}

// Labels is a label set as a map, decoded from its stored pairs.
type Labels map[string]string

// Scaling is how many replicas the deployment asks for.
type Scaling struct {
	Replicas *int32 `bson:"replicas,omitempty"`
	Min      int32  `bson:"min,omitempty"`
	Max      int32  `bson:"max,omitempty"`
}

// EndpointURL is where a named endpoint is served.
type EndpointURL struct {
	Name string `bson:"name"`
	// URL is the canonical public URL; VersionURL the current revision's
	// own (<...>/v<N>/<endpoint>); ClusterURL the in-cluster one.
	URL        string `bson:"url"`
	VersionURL string `bson:"versionUrl"`
	ClusterURL string `bson:"clusterUrl"`
}

// Alias is an alias of a deployment: the revision it serves, one it is
// moving to, its canonical URLs and the history of its moves.
type Alias struct {
	Name     string        `bson:"name"`
	Revision int           `bson:"revision,omitempty"`
	Pending  int           `bson:"pending,omitempty"`
	URLs     []EndpointURL `bson:"urls"`
	History  []AliasMove   `bson:"history"`
	// PendingBy is who asked for the move in progress; PendingOperation its
	// operation, ended by the projector when the move ends without an
	// outcome of its own (set again, deleted, terminated).
	PendingBy        string `bson:"pendingBy,omitempty"`
	PendingOperation string `bson:"pendingOp,omitempty"`
	// LastFailure is the last move that failed, until a move succeeds.
	LastFailure *AliasFailure `bson:"lastFailure,omitempty"`
}

// AliasFailure is a move of an alias that failed: the alias stayed where it was.
type AliasFailure struct {
	Revision int       `bson:"revision"`
	Reason   string    `bson:"reason"`
	Message  string    `bson:"message"`
	At       time.Time `bson:"at"`
}

// AliasMove is one move of an alias.
type AliasMove struct {
	From  int       `bson:"from,omitempty"`
	To    int       `bson:"to"`
	Warm  bool      `bson:"warm"`
	Actor string    `bson:"actor"`
	At    time.Time `bson:"at"`
}

// Rollout is the latest rollout of a deployment.
type Rollout struct {
	Revision     int             `bson:"revision"`
	FromRevision int             `bson:"fromRevision,omitempty"`
	Phase        RolloutPhase    `bson:"phase"`
	Reason       string          `bson:"reason,omitempty"`
	Message      string          `bson:"message,omitempty"`
	Replicas     events.Replicas `bson:"replicas"`
	Paused       bool            `bson:"paused,omitempty"`
	OperationID  string          `bson:"operationId"`
	StartedAt    *time.Time      `bson:"startedAt,omitempty"`
	// BakeUntil is when a baking rollout (phase Baking) succeeds.
	BakeUntil  *time.Time `bson:"bakeUntil,omitempty"`
	FinishedAt *time.Time `bson:"finishedAt,omitempty"`
	// Canary is where a canary rollout stands: its step, its traffic and
	// its checks' latest measurements (nil: a rolling rollout).
	Canary *CanaryStatus `bson:"canary,omitempty"`
}

// CanaryStatus is a canary's step and traffic as its last
// CanaryStepStarted says, and the latest measurement of each check. The API
// shows it as it is (hence the JSON names).
type CanaryStatus struct {
	Step           int    `bson:"step" json:"step"`
	Steps          int    `bson:"steps" json:"steps"`
	Kind           string `bson:"kind" json:"kind"`
	Weight         int32  `bson:"weight" json:"weight"`
	Mirror         int32  `bson:"mirror,omitempty" json:"mirror,omitempty"`
	CanaryReplicas int32  `bson:"canaryReplicas" json:"canaryReplicas"`
	StableReplicas int32  `bson:"stableReplicas" json:"stableReplicas"`
	// Approximated: the target has no weighted routing; the weight is
	// approximated by pod counts (canary/(canary+stable) of the requests)
	// and mirroring is not applied.
	Approximated bool `bson:"approximated,omitempty" json:"approximated,omitempty"`
	// Traffic says how the target carries the weight: gateway (HTTPRoute
	// weights), ingress (an ingress-nginx canary Ingress) or pods
	// (approximated by pod counts).
	Traffic    string     `bson:"traffic,omitempty" json:"traffic,omitempty"`
	PauseUntil *time.Time `bson:"pauseUntil,omitempty" json:"pauseUntil,omitempty"`
	// Inconclusive is why analysis paused the canary for a person.
	Inconclusive string `bson:"inconclusive,omitempty" json:"inconclusive,omitempty"`
	// Measurements are the latest measurement of each check, by check name.
	Measurements []Measurement `bson:"measurements,omitempty" json:"measurements,omitempty"`
}

// Measurement is one measurement of a canary's check.
type Measurement struct {
	Check  string    `bson:"check" json:"check"`
	Step   int       `bson:"step" json:"step"`
	Phase  string    `bson:"phase" json:"phase"`
	Value  float64   `bson:"value" json:"value"`
	Reason string    `bson:"reason" json:"reason"`
	At     time.Time `bson:"at" json:"at"`
}

// HealthDetail is what the health monitor last reported.
type HealthDetail struct {
	Message        string            `bson:"message,omitempty"`
	Revision       int               `bson:"revision,omitempty"`
	Pods           *events.PodCounts `bson:"pods,omitempty"`
	ReadyEndpoints *int32            `bson:"readyEndpoints,omitempty"`
	Since          time.Time         `bson:"since"`
}

// Drift is the last change made to the deployment's objects outside Slipway.
type Drift struct {
	Revision   int       `bson:"revision"`
	Object     string    `bson:"object"`
	Fields     []string  `bson:"fields"`
	Managers   []string  `bson:"managers,omitempty"`
	Deleted    bool      `bson:"deleted,omitempty"`
	Action     string    `bson:"action"`
	DetectedAt time.Time `bson:"detectedAt"`
}

// Operation is the life of one accepted command.
type Operation struct {
	ID         string              `bson:"_id"`
	Kind       string              `bson:"kind"`
	Deployment string              `bson:"deployment"`
	Owner      string              `bson:"owner"`
	Project    string              `bson:"project"`
	Status     string              `bson:"status"`
	Reason     string              `bson:"reason,omitempty"`
	Message    string              `bson:"message,omitempty"`
	Fields     []events.FieldError `bson:"fields,omitempty"`
	Revision   int                 `bson:"revision,omitempty"`
	Actor      string              `bson:"actor"`
	Replicas   *events.Replicas    `bson:"replicas,omitempty"`
	// Diff is what the operation changed in the spec, for the audit log.
	Diff       []specdiff.Change `bson:"diff,omitempty"`
	AcceptedAt time.Time         `bson:"acceptedAt"`
	UpdatedAt  time.Time         `bson:"updatedAt"`
	FinishedAt *time.Time        `bson:"finishedAt,omitempty"`
	Seq        uint64            `bson:"seq"`
	// Target names the target of a target command (Deployment is then empty).
	Target string `bson:"target,omitempty"`
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
