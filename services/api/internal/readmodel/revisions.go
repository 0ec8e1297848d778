package readmodel

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"slipway.dev/pkg/events"
)

// Revision is the read model of one revision: its spec, why it exists, and
// how its rollout went.
type Revision struct {
	ID               string       `bson:"_id"`
	Deployment       string       `bson:"deployment"`
	Number           int          `bson:"number"`
	Cause            string       `bson:"cause"`
	CauseText        string       `bson:"causeText"`
	Message          string       `bson:"message,omitempty"`
	Actor            string       `bson:"actor"`
	OperationID      string       `bson:"operationId"`
	RollbackOf       int          `bson:"rollbackOf,omitempty"`
	TemplateRevision int          `bson:"templateRevision"`
	SpecJSON         string       `bson:"spec"`
	Spec             *events.Spec `bson:"-"`
	Rollout          Rollout      `bson:"rollout"`
	CreatedAt        time.Time    `bson:"createdAt"`
	Seq              uint64       `bson:"seq"`
}

// RevisionID is the document id of revision n of a deployment.
func RevisionID(deployment string, n int) string { return fmt.Sprintf("%s/v%d", deployment, n) }

// RevisionsTouched says which revision documents an event changes, given the
// deployment document as it was before the event.
func RevisionsTouched(d Deployment, msg events.Message) []int {
	if rev, ok := events.RevisionOf(msg); ok {
		if m, ok := msg.(events.RevisionCreated); ok && m.Supersedes != 0 {
			return []int{rev.Number, m.Supersedes}
		}
		return []int{rev.Number}
	}
	switch m := msg.(type) {
	case events.RolloutStarted:
		return []int{m.Revision}
	case events.RolloutSucceeded:
		return []int{m.Revision}
	case events.RolloutFailed:
		return []int{m.Revision}
	case events.RolloutAborted:
		return []int{m.Revision}
	case events.RolloutQueued:
		return []int{m.Revision}
	case events.DeploymentTerminated:
		if d.Rollout != nil && d.Rollout.FinishedAt == nil {
			return []int{d.Rollout.Revision}
		}
	}
	return nil
}

// ProjectRevision applies one event to revision n's document.
func ProjectRevision(r *Revision, n int, seq uint64, env events.Envelope, msg events.Message) bool {
	if seq <= r.Seq {
		return false
	}
	t := env.Time
	switch m := msg.(type) {
	case events.DeploymentCreated:
		newRevision(r, m.Deployment.String(), m.Revision, env)
	case events.RevisionCreated:
		if m.Revision.Number == n {
			newRevision(r, env.Subject, m.Revision, env)
		} else if r.Rollout.FinishedAt == nil {
			r.Rollout.Phase, r.Rollout.Reason, r.Rollout.FinishedAt = events.RolloutPhaseSuperseded, events.ReasonSuperseded, &t
			r.Rollout.Message = fmt.Sprintf("revision %d replaced this rollout", m.Revision.Number)
		}
	case events.DriftDetected:
		newRevision(r, env.Subject, *m.Adopted, env)
	case events.RolloutStarted:
		r.Rollout.Phase, r.Rollout.StartedAt, r.Rollout.FromRevision = events.RolloutPhaseProgressing, &t, m.FromRevision
	case events.RolloutSucceeded:
		r.Rollout.Phase, r.Rollout.Reason, r.Rollout.Replicas, r.Rollout.FinishedAt = events.RolloutPhaseSucceeded, events.ReasonRolloutComplete, m.Replicas, &t
	case events.RolloutFailed:
		r.Rollout.Phase, r.Rollout.Reason, r.Rollout.Message, r.Rollout.Replicas, r.Rollout.FinishedAt = events.RolloutPhaseFailed, m.Reason, m.Message, m.Replicas, &t
	case events.RolloutQueued:
		r.Rollout.Phase = events.RolloutPhaseQueued
	case events.RolloutAborted:
		r.Rollout.Phase, r.Rollout.Reason, r.Rollout.Message, r.Rollout.Replicas, r.Rollout.FinishedAt = events.RolloutPhaseAborted, m.Reason, m.Message, m.Replicas, &t
	case events.DeploymentTerminated:
		r.Rollout.Phase, r.Rollout.Reason, r.Rollout.FinishedAt = events.RolloutPhaseSuperseded, events.ReasonSuperseded, &t
		r.Rollout.Message = "the deployment was terminated"
	default:
		return false
	}
	r.Seq = seq
	return r.ID != ""
}

func newRevision(r *Revision, deployment string, rev events.Revision, env events.Envelope) {
	spec, _ := json.Marshal(rev.Spec) // a decoded Spec always encodes
	*r = Revision{ID: RevisionID(deployment, rev.Number), Deployment: deployment, Number: rev.Number, Cause: rev.Cause,
		CauseText: causeText(rev), Message: rev.Message, Actor: env.Actor, OperationID: env.CorrelationID,
		RollbackOf: rev.RollbackOf, TemplateRevision: rev.PodTemplateRevision(), SpecJSON: string(spec),
		Rollout: Rollout{Revision: rev.Number, Phase: events.RolloutPhasePending, OperationID: env.CorrelationID}, CreatedAt: env.Time}
}

// causeText is the cause as people read it: "rolled back from v5".
func causeText(rev events.Revision) string {
	switch rev.Cause {
	case events.CauseRollback:
		return fmt.Sprintf("rolled back from v%d", rev.RollbackOf)
	case events.CauseAutoRollback:
		return fmt.Sprintf("rolled back automatically to v%d", rev.RollbackOf)
	case events.CauseAdopted:
		return "adopted from the cluster"
	case events.CausePromoted:
		if rev.PromotedFrom != nil {
			return fmt.Sprintf("promoted from %s@v%d", rev.PromotedFrom.Deployment, rev.PromotedFrom.Revision)
		}
	}
	return strings.ReplaceAll(rev.Cause, "-", " ")
}

// Present fills the decoded fields of a revision read from the store.
func (r *Revision) Present() {
	if r.SpecJSON != "" {
		var s events.Spec
		if json.Unmarshal([]byte(r.SpecJSON), &s) == nil {
			r.Spec = &s
		}
	}
}
