package httpapi

import (
	"encoding/json"
	"time"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/specdiff"
	"slipway.dev/services/api/internal/readmodel"
)

// The API's bodies of read-model documents. Documents carry the store's
// tags only; these carry the API's, mapped field by field, so a change of
// storage is not a change of the API. testdata/bodies pins their JSON. A
// nil slice or map stays nil (null), as documents showed it.

// deployment is what GET of a deployment answers.
type deployment struct {
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
	HealthDetail    *healthDetail          `json:"healthDetail,omitempty"`
	Replicas        events.Replicas        `json:"replicas"`
	Scaling         scaling                `json:"scaling"`
	Image           string                 `json:"image"`
	InstanceType    string                 `json:"instanceType,omitempty"`
	Spec            *events.Spec           `json:"spec"`
	Endpoints       []endpointURL          `json:"endpoints"`
	Rollout         *rollout               `json:"rollout,omitempty"`
	Drift           *drift                 `json:"drift,omitempty"`
	Aliases         []alias                `json:"aliases"`
	Warm            []warmRevision         `json:"warm"`
	Terminated      bool                   `json:"terminated"`
	CreatedAt       time.Time              `json:"createdAt"`
	UpdatedAt       time.Time              `json:"updatedAt"`
}

func deploymentOf(d readmodel.Deployment) deployment {
	return deployment{ID: d.ID, Owner: d.Owner, Project: d.Project, Name: d.Name, Target: d.Target,
		TargetSimulated: d.TargetSimulated, Namespace: d.Namespace, ObjectName: d.ObjectName, Environment: d.Environment,
		Labels: d.LabelMap, Revision: d.Revision, RunningRevision: d.RunningRevision, Phase: d.Phase, Reason: d.Reason,
		Message: d.Message, Health: d.Health, HealthReason: d.HealthReason, HealthDetail: ptrOf(d.HealthDetail, healthDetailOf),
		Replicas: d.Replicas, Scaling: scaling(d.Scaling), Image: d.Image, InstanceType: d.InstanceType, Spec: d.Spec,
		Endpoints: each(d.Endpoints, endpointURLOf), Rollout: ptrOf(d.Rollout, rolloutOf), Drift: ptrOf(d.Drift, driftOf),
		Aliases: each(d.Aliases, aliasOf), Warm: each(d.Warm, warmRevisionOf), Terminated: d.Terminated,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

// summary is a deployment as fleet lists show it (readmodel.DeploymentSummary).
type summary struct {
	ID              string                 `json:"id"`
	Owner           string                 `json:"owner"`
	Project         string                 `json:"project"`
	Name            string                 `json:"name"`
	Target          string                 `json:"target"`
	Environment     string                 `json:"environment"`
	Labels          map[string]string      `json:"labels"`
	Revision        int                    `json:"revision"`
	RunningRevision int                    `json:"runningRevision"`
	Phase           events.DeploymentPhase `json:"phase"`
	Health          string                 `json:"health"`
	Image           string                 `json:"image"`
	Replicas        events.Replicas        `json:"replicas"`
	Endpoints       []endpointURL          `json:"endpoints"`
	CreatedAt       time.Time              `json:"createdAt"`
	UpdatedAt       time.Time              `json:"updatedAt"`
}

func summaryOf(s readmodel.DeploymentSummary) summary {
	return summary{ID: s.ID, Owner: s.Owner, Project: s.Project, Name: s.Name, Target: s.Target, Environment: s.Environment,
		Labels: s.LabelMap, Revision: s.Revision, RunningRevision: s.RunningRevision, Phase: s.Phase, Health: s.Health,
		Image: s.Image, Replicas: s.Replicas, Endpoints: each(s.Endpoints, endpointURLOf), CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

type scaling struct {
	Replicas *int32 `json:"replicas,omitempty"`
	Min      int32  `json:"min,omitempty"`
	Max      int32  `json:"max,omitempty"`
}

type endpointURL struct {
	Name       string `json:"name"`
	URL        string `json:"url"`
	VersionURL string `json:"versionUrl"`
	ClusterURL string `json:"clusterUrl"`
}

func endpointURLOf(e readmodel.EndpointURL) endpointURL { return endpointURL(e) }

type alias struct {
	Name        string        `json:"name"`
	Revision    int           `json:"revision,omitempty"`
	Pending     int           `json:"pending,omitempty"`
	URLs        []endpointURL `json:"urls"`
	History     []aliasMove   `json:"history"`
	LastFailure *aliasFailure `json:"lastFailure,omitempty"`
}

func aliasOf(a readmodel.Alias) alias {
	return alias{Name: a.Name, Revision: a.Revision, Pending: a.Pending, URLs: each(a.URLs, endpointURLOf),
		History: each(a.History, aliasMoveOf), LastFailure: ptrOf(a.LastFailure, aliasFailureOf)}
}

type aliasFailure struct {
	Revision int       `json:"revision"`
	Reason   string    `json:"reason"`
	Message  string    `json:"message"`
	At       time.Time `json:"at"`
}

func aliasFailureOf(f readmodel.AliasFailure) aliasFailure { return aliasFailure(f) }

type aliasMove struct {
	From  int       `json:"from,omitempty"`
	To    int       `json:"to"`
	Warm  bool      `json:"warm"`
	Actor string    `json:"actor"`
	At    time.Time `json:"at"`
}

func aliasMoveOf(m readmodel.AliasMove) aliasMove { return aliasMove(m) }

type rollout struct {
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
	// Canary: the step, the traffic and the latest measurements.
	Canary *readmodel.CanaryStatus `json:"canary,omitempty"`
}

func rolloutOf(r readmodel.Rollout) rollout { return rollout(r) }

type healthDetail struct {
	Message        string            `json:"message,omitempty"`
	Revision       int               `json:"revision,omitempty"`
	Pods           *events.PodCounts `json:"pods,omitempty"`
	ReadyEndpoints *int32            `json:"readyEndpoints,omitempty"`
	Since          time.Time         `json:"since"`
}

func healthDetailOf(h readmodel.HealthDetail) healthDetail { return healthDetail(h) }

type drift struct {
	Revision   int       `json:"revision"`
	Object     string    `json:"object"`
	Fields     []string  `json:"fields"`
	Managers   []string  `json:"managers,omitempty"`
	Deleted    bool      `json:"deleted,omitempty"`
	Action     string    `json:"action"`
	DetectedAt time.Time `json:"detectedAt"`
}

func driftOf(d readmodel.Drift) drift { return drift(d) }

type warmRevision struct {
	Revision int          `json:"revision"`
	Serves   []string     `json:"serves"`
	URLs     []versionURL `json:"urls"`
}

func warmRevisionOf(w readmodel.WarmRevision) warmRevision {
	return warmRevision{Revision: w.Revision, Serves: w.Serves, URLs: each(w.URLs, func(u readmodel.VersionURL) versionURL { return versionURL(u) })}
}

type versionURL struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// operation is the life of one accepted command (GET /v1/operations/{id},
// an entry of the audit log).
type operation struct {
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

func operationOf(o readmodel.Operation) operation {
	return operation{ID: o.ID, Kind: o.Kind, Deployment: o.Deployment, Status: o.Status, Reason: o.Reason, Message: o.Message,
		Fields: o.Fields, Revision: o.Revision, Actor: o.Actor, Replicas: o.Replicas, Diff: o.Diff, AcceptedAt: o.AcceptedAt,
		UpdatedAt: o.UpdatedAt, FinishedAt: o.FinishedAt, Target: o.Target}
}

// revision is one revision of a deployment.
type revision struct {
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
	Rollout          rollout      `json:"rollout"`
	CreatedAt        time.Time    `json:"createdAt"`
}

func revisionOf(r readmodel.Revision) revision {
	return revision{Deployment: r.Deployment, Number: r.Number, Cause: r.Cause, CauseText: r.CauseText, Message: r.Message,
		Actor: r.Actor, OperationID: r.OperationID, RollbackOf: r.RollbackOf, TemplateRevision: r.TemplateRevision,
		Spec: r.Spec, Rollout: rolloutOf(r.Rollout), CreatedAt: r.CreatedAt}
}

// promotion is a promotion's plan and the operations that applied it.
type promotion struct {
	ID             string          `json:"id"`
	Source         string          `json:"source"`
	SourceRevision int             `json:"sourceRevision"`
	Target         string          `json:"target"`
	TargetRevision int             `json:"targetRevision"`
	DryRun         bool            `json:"dryRun"`
	Message        string          `json:"message,omitempty"`
	Missing        []string        `json:"missing"`
	MissingSecrets []string        `json:"missingSecrets"`
	Plan           json.RawMessage `json:"plan"`
	Applications   []application   `json:"applications"`
	Actor          string          `json:"actor"`
	CreatedAt      time.Time       `json:"createdAt"`
}

func promotionOf(p readmodel.Promotion) promotion {
	return promotion{ID: p.ID, Source: p.Source, SourceRevision: p.SourceRevision, Target: p.Target,
		TargetRevision: p.TargetRevision, DryRun: p.DryRun, Message: p.Message, Missing: p.Missing,
		MissingSecrets: p.MissingSecrets, Plan: p.Plan, Applications: each(p.Applications, applicationOf),
		Actor: p.Actor, CreatedAt: p.CreatedAt}
}

type application struct {
	Operation string    `json:"operation"`
	Actor     string    `json:"actor"`
	At        time.Time `json:"at"`
}

func applicationOf(a readmodel.Application) application { return application(a) }

// each maps a slice; nil stays nil (null in JSON, as the document showed).
func each[S, T any](in []S, f func(S) T) []T {
	if in == nil {
		return nil
	}
	out := make([]T, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// ptrOf maps through a pointer; nil stays nil.
func ptrOf[S, T any](in *S, f func(S) T) *T {
	if in == nil {
		return nil
	}
	out := f(*in)
	return &out
}
