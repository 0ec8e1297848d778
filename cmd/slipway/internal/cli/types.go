package cli

import (
	"encoding/json"
	"time"

	"slipway.dev/pkg/events"
)

// Doc is an API document: its decoded fields (the ones the CLI uses) and its
// JSON as the API sent it, which -o json and -o yaml print.
type Doc[T any] struct {
	V   T
	Raw json.RawMessage
}

// UnmarshalJSON keeps the raw JSON and decodes it.
func (d *Doc[T]) UnmarshalJSON(b []byte) error {
	d.Raw = append(json.RawMessage(nil), b...)
	return json.Unmarshal(b, &d.V)
}

// List is a page of a list.
type List[T any] struct {
	Items      []Doc[T] `json:"items"`
	NextCursor string   `json:"nextCursor"`
}

// Replicas are a rollout's counts. Total (pods of every template) and Surge
// (those above Desired) are absent from servers and records that predate
// them.
type Replicas struct {
	Desired   int32 `json:"desired"`
	Updated   int32 `json:"updated"`
	Ready     int32 `json:"ready"`
	Available int32 `json:"available"`
	Total     int32 `json:"total,omitempty"`
	Surge     int32 `json:"surge,omitempty"`
}

// Deployment is the API's Deployment (the fields the CLI shows).
type Deployment struct {
	ID              string                 `json:"id"`
	Target          string                 `json:"target"`
	Environment     string                 `json:"environment"`
	Labels          map[string]string      `json:"labels"`
	Revision        int                    `json:"revision"`
	RunningRevision int                    `json:"runningRevision"`
	Phase           events.DeploymentPhase `json:"phase"`
	Reason          string                 `json:"reason"`
	Message         string                 `json:"message"`
	Health          string                 `json:"health"`
	Replicas        Replicas               `json:"replicas"`
	Image           string                 `json:"image"`
	Rollout         *Rollout               `json:"rollout"`
	CreatedAt       time.Time              `json:"createdAt"`
	// ETag is the ETag header of a GET, "<version>.<sequence>"; --if-match takes it or its version.
	ETag string `json:"-"`
}

// Rollout is a revision's rollout.
type Rollout struct {
	Revision     int                 `json:"revision"`
	FromRevision int                 `json:"fromRevision"`
	Phase        events.RolloutPhase `json:"phase"`
	Reason       string              `json:"reason"`
	Message      string              `json:"message"`
	Replicas     Replicas            `json:"replicas"`
	Paused       bool                `json:"paused"`
	OperationID  string              `json:"operationId"`
	BakeUntil    *time.Time          `json:"bakeUntil,omitempty"`
	FinishedAt   *time.Time          `json:"finishedAt"`
	Canary       *Canary             `json:"canary,omitempty"`
}

// Canary is where a canary rollout stands: its step, traffic and the
// latest measurement of each check.
type Canary struct {
	Step           int           `json:"step"`
	Steps          int           `json:"steps"`
	Kind           string        `json:"kind"`
	Weight         int32         `json:"weight"`
	Mirror         int32         `json:"mirror,omitempty"`
	CanaryReplicas int32         `json:"canaryReplicas"`
	StableReplicas int32         `json:"stableReplicas"`
	Approximated   bool          `json:"approximated,omitempty"`
	PauseUntil     *time.Time    `json:"pauseUntil,omitempty"`
	Inconclusive   string        `json:"inconclusive,omitempty"`
	Measurements   []Measurement `json:"measurements,omitempty"`
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

// Revision is one immutable revision.
type Revision struct {
	Deployment string `json:"deployment"`
	Revision   int    `json:"revision"`
	Cause      string `json:"cause"`
	CauseText  string `json:"causeText"`
	Message    string `json:"message"`
	Actor      string `json:"actor"`
	Spec       struct {
		Image string `json:"image"`
	} `json:"spec"`
	Rollout   Rollout   `json:"rollout"`
	CreatedAt time.Time `json:"createdAt"`
}

// Diff is the difference between two revisions' specs.
type Diff struct {
	From    int    `json:"from"`
	To      int    `json:"to"`
	Text    string `json:"text"`
	Changes []struct {
		Path string `json:"path"`
		Op   string `json:"op"`
	} `json:"changes"`
}

// Operation is the life of one accepted command.
type Operation struct {
	ID         string       `json:"id"`
	Kind       string       `json:"kind"`
	Deployment string       `json:"deployment"`
	Target     string       `json:"target"`
	Status     string       `json:"status"`
	Reason     string       `json:"reason"`
	Message    string       `json:"message"`
	Fields     []FieldError `json:"fields"`
	Revision   int          `json:"revision"`
	Replicas   *Replicas    `json:"replicas"`
	Actor      string       `json:"actor"`
	AcceptedAt time.Time    `json:"acceptedAt"`
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

// FieldError names an offending field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Target is a cluster deployments run on.
type Target struct {
	Name          string                  `json:"name"`
	Region        string                  `json:"region"`
	Namespace     string                  `json:"namespace"`
	BaseURL       string                  `json:"baseURL"`
	Simulated     bool                    `json:"simulated"`
	Default       bool                    `json:"default"`
	InstanceTypes map[string]InstanceType `json:"instanceTypes"`
	// Source is config or api; Connection and Status come with registered
	// targets and once a worker checked the target.
	Source     string            `json:"source"`
	Connection *TargetConnection `json:"connection"`
	Status     *TargetStatus     `json:"status"`
}

// TargetConnection is how workers reach a registered target: a reference.
type TargetConnection struct {
	InCluster        bool               `json:"inCluster,omitempty"`
	KubeconfigSecret *SecretKeySelector `json:"kubeconfigSecret,omitempty"`
	KubeconfigFile   string             `json:"kubeconfigFile,omitempty"`
}

// SecretKeySelector names one key of one Secret.
type SecretKeySelector struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Key       string `json:"key"`
}

// TargetStatus is a target's reachability as a worker last checked it.
type TargetStatus struct {
	Reachable     bool      `json:"reachable"`
	LastError     string    `json:"lastError"`
	LastCheckedAt time.Time `json:"lastCheckedAt"`
	ServerVersion string    `json:"serverVersion"`
}

// InstanceType is one entry of a target's catalogue.
type InstanceType struct {
	CPU    string `json:"cpu"`
	Memory string `json:"memory"`
	GPU    int    `json:"gpu"`
}

// Promotion is a plan to run one deployment's artifact on another.
type Promotion struct {
	ID             string    `json:"id"`
	Source         string    `json:"source"`
	SourceRevision int       `json:"sourceRevision"`
	Target         string    `json:"target"`
	TargetRevision int       `json:"targetRevision"`
	DryRun         bool      `json:"dryRun"`
	Missing        []string  `json:"missing"`
	MissingSecrets []string  `json:"missingSecrets"`
	Status         string    `json:"status"`
	Reason         string    `json:"reason"`
	DiffText       string    `json:"diffText"`
	CreatedAt      time.Time `json:"createdAt"`
}
