package readmodel

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/specdiff"
)

// ProjectDeployment applies one event to a deployment document and reports
// whether it changed. Events at or below the document's Seq are stale or
// repeated and change nothing.
func ProjectDeployment(d *Deployment, seq uint64, env events.Envelope, msg events.Message) bool {
	if seq <= d.Seq {
		return false
	}
	if d.ID == "" {
		if _, ok := msg.(events.DeploymentCreated); !ok {
			return false // events of a deployment that was never created (rejections)
		}
	}
	// d may share its slices with the document it was copied from (the
	// projector's "before", a cached document): copy the ones edited in place.
	d.Aliases, d.Seen = slices.Clone(d.Aliases), slices.Clone(d.Seen)
	switch m := msg.(type) {
	case events.DeploymentCreated:
		created(d, env, m)
	case events.RevisionCreated:
		revised(d, env, m.Revision)
	case events.RolloutStarted:
		d.Phase = events.DeploymentPhaseProgressing
		t := env.Time
		d.Rollout = &Rollout{Revision: m.Revision, FromRevision: m.FromRevision, Phase: events.RolloutPhaseProgressing,
			OperationID: operationOf(d, env), StartedAt: &t, Replicas: events.Replicas{Desired: m.Desired}}
		d.Replicas.Desired = m.Desired
	case events.RolloutProgressed:
		if d.Rollout != nil && d.Rollout.Revision == m.Revision {
			d.Rollout.Replicas = m.Replicas
		}
		d.Replicas = m.Replicas
	case events.RolloutBaking:
		if d.Rollout != nil && d.Rollout.Revision == m.Revision {
			until := m.Until
			d.Rollout.Phase, d.Rollout.Replicas, d.Rollout.BakeUntil = events.RolloutPhaseBaking, m.Replicas, &until
		}
		d.Replicas = m.Replicas
	case events.RolloutSucceeded:
		finishRollout(d, env, m.Revision, m.Replicas, events.RolloutPhaseSucceeded, events.ReasonRolloutComplete, "")
		d.Replicas, d.RunningRevision, d.Phase, d.Reason, d.Message = m.Replicas, m.Revision, events.DeploymentPhaseRunning, "", ""
	case events.RolloutFailed:
		finishRollout(d, env, m.Revision, m.Replicas, events.RolloutPhaseFailed, m.Reason, m.Message)
		d.Replicas, d.Phase, d.Reason, d.Message = m.Replicas, events.DeploymentPhaseFailed, m.Reason, m.Message
	case events.HealthChanged:
		d.Health, d.HealthReason = m.To, m.Reason
		d.HealthDetail = &HealthDetail{Message: m.Message, Revision: m.Revision, Pods: m.Pods, ReadyEndpoints: m.ReadyEndpoints, Since: env.Time}
	case events.CanaryStepStarted, events.AnalysisMeasured, events.AnalysisInconclusive, events.CanaryPromoted:
		projectCanary(d, msg)
	case events.RolloutQueued:
		if d.Rollout != nil && d.Rollout.Revision == m.Revision {
			d.Rollout.Phase = events.RolloutPhaseQueued
			d.Rollout.Message = fmt.Sprintf("waiting: target %s runs %d rollouts at once", m.Target, m.Limit)
		}
	case events.RolloutPaused:
		if d.Rollout != nil && d.Rollout.Revision == m.Revision {
			d.Rollout.Paused, d.Rollout.Phase = true, events.RolloutPhasePaused
		}
	case events.RolloutResumed:
		if d.Rollout != nil && d.Rollout.Revision == m.Revision {
			d.Rollout.Paused, d.Rollout.Phase = false, events.RolloutPhaseProgressing
			if c := d.Rollout.Canary; c != nil && c.Inconclusive != "" {
				cc := *c
				cc.Inconclusive = ""
				d.Rollout.Canary = &cc
			}
		}
	case events.RolloutAborted:
		finishRollout(d, env, m.Revision, m.Replicas, events.RolloutPhaseAborted, m.Reason, m.Message)
		d.Rollout.Paused = false
		d.Reason, d.Message = m.Reason, m.Message
	case events.DeploymentTerminated:
		d.Terminated, d.Phase, d.Reason, d.Message = true, events.DeploymentPhaseTerminating, "", m.Message
		if d.Rollout != nil && d.Rollout.FinishedAt == nil {
			t := env.Time
			d.Rollout.Phase, d.Rollout.Reason, d.Rollout.FinishedAt = events.RolloutPhaseSuperseded, events.ReasonSuperseded, &t
		}
	case events.TerminationCompleted:
		d.Phase, d.Replicas = events.DeploymentPhaseTerminated, events.Replicas{}
		d.Health, d.HealthReason = events.HealthUnknown, ""
	case events.AliasSet, events.AliasMoved, events.AliasMoveFailed, events.AliasDeleted:
		projectAlias(d, env, msg)
	case events.DriftDetected:
		if m.Adopted != nil {
			revised(d, env, *m.Adopted)
		}
		d.Drift = &Drift{Revision: m.Revision, Object: m.Object, Fields: m.Fields, Managers: m.Managers, Deleted: m.Deleted,
			Action: m.Action, DetectedAt: env.Time}
	}
	if rev, ok := events.RevisionOf(msg); ok {
		d.seeRevision(rev)
	}
	if m, ok := msg.(events.RolloutSucceeded); ok {
		if r, ok := d.seen(m.Revision); ok {
			r.Succeeded = true
		}
	}
	d.refreshWarm()
	// Every event moves Seq, even one that changes nothing shown; only a
	// change of what clients control moves the version If-Match compares.
	if events.MovesVersion(msg) {
		d.Version = seq
	}
	d.Seq, d.UpdatedAt = seq, env.Time
	return true
}

func created(d *Deployment, env events.Envelope, m events.DeploymentCreated) {
	spec := m.Revision.Spec
	specJSON, _ := json.Marshal(spec) // a decoded Spec always encodes
	*d = Deployment{
		ID: m.Deployment.String(), Owner: m.Deployment.Owner, Project: m.Deployment.Project, Name: m.Deployment.Name,
		Target: m.Target.Name, TargetSimulated: m.Target.Simulated, Namespace: m.Target.Namespace, ObjectName: m.Target.ObjectName,
		Environment: m.Environment, Labels: labelPairs(m.Labels), Revision: m.Revision.Number, BaseURL: m.Target.BaseURL,
		Phase: events.DeploymentPhasePending, Health: events.HealthUnknown, Image: spec.Image, InstanceType: spec.InstanceType,
		Scaling:   Scaling{Replicas: spec.Replicas},
		SpecJSON:  string(specJSON),
		Endpoints: endpointURLs(m.Deployment, m.Target, spec, m.Revision.Number),
		Aliases:   []Alias{},
		Replicas:  events.Replicas{Desired: spec.DesiredReplicas()},
		Rollout:   &Rollout{Revision: m.Revision.Number, Phase: events.RolloutPhasePending, OperationID: env.CorrelationID},
		CreatedAt: env.Time,
	}
	if spec.Scaling != nil {
		d.Scaling = Scaling{Min: spec.Scaling.Min, Max: spec.Scaling.Max}
	}
}

// revised makes a new revision current; its rollout is pending.
func revised(d *Deployment, env events.Envelope, rev events.Revision) {
	spec := rev.Spec
	specJSON, _ := json.Marshal(spec) // a decoded Spec always encodes
	d.Revision, d.SpecJSON, d.Image, d.InstanceType = rev.Number, string(specJSON), spec.Image, spec.InstanceType
	d.Scaling = Scaling{Replicas: spec.Replicas}
	if spec.Scaling != nil {
		d.Scaling = Scaling{Min: spec.Scaling.Min, Max: spec.Scaling.Max}
	}
	d.Endpoints = endpointURLs(events.DeploymentRef{Owner: d.Owner, Project: d.Project, Name: d.Name},
		events.TargetInfo{BaseURL: d.baseURL(), Namespace: d.Namespace, ObjectName: d.ObjectName}, spec, rev.Number)
	for i := range d.Aliases {
		d.Aliases[i].URLs = d.aliasURLs(d.Aliases[i].Name)
	}
	d.Phase, d.Reason, d.Message = events.DeploymentPhaseProgressing, "", ""
	d.Rollout = &Rollout{Revision: rev.Number, Phase: events.RolloutPhasePending, OperationID: env.CorrelationID}
}

func finishRollout(d *Deployment, env events.Envelope, revision int, replicas events.Replicas, phase RolloutPhase, reason, message string) {
	if d.Rollout == nil || d.Rollout.Revision != revision {
		return
	}
	t := env.Time
	d.Rollout.Phase, d.Rollout.Reason, d.Rollout.Message, d.Rollout.FinishedAt = phase, reason, message, &t
	d.Rollout.Replicas = replicas
}

func operationOf(d *Deployment, env events.Envelope) string {
	if env.CorrelationID != "" {
		return env.CorrelationID
	}
	if d.Rollout != nil {
		return d.Rollout.OperationID
	}
	return ""
}

// endpointURLs are the canonical public URL of each endpoint,
// <base>/<owner>/<project>/<deployment>/<endpoint>, and its in-cluster URL.
func endpointURLs(ref events.DeploymentRef, t events.TargetInfo, spec events.Spec, revision int) []EndpointURL {
	base := strings.TrimRight(t.BaseURL, "/") + "/" + ref.Owner + "/" + ref.Project + "/" + ref.Name
	out := make([]EndpointURL, 0, len(spec.Endpoints))
	for _, ep := range spec.Endpoints {
		out = append(out, EndpointURL{Name: ep.Name, URL: base + "/" + ep.Name, VersionURL: versionURL(t.BaseURL, ref, revision, ep.Name),
			ClusterURL: "http://" + t.ObjectName + "." + t.Namespace + ".svc.cluster.local" + ep.Path})
	}
	return out
}

func labelPairs(m map[string]string) []Label {
	out := make([]Label, 0, len(m))
	for k, v := range m {
		out = append(out, Label{Key: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// ProjectOperation applies one event to the document of the operation it is
// correlated with, and reports whether it changed.
func ProjectOperation(o *Operation, seq uint64, env events.Envelope, msg events.Message) bool {
	if env.CorrelationID == "" || seq <= o.Seq {
		return false
	}
	if target, ok := events.TargetOfEnvelopeSubject(env.Subject); ok {
		return projectTargetOperation(o, seq, env, msg, target)
	}
	if o.ID == "" {
		*o = Operation{ID: env.CorrelationID, Deployment: env.Subject, Status: OpAccepted, Actor: env.Actor, AcceptedAt: env.Time}
		switch parts := strings.SplitN(env.Subject, "/", 3); len(parts) {
		case 3:
			o.Owner, o.Project = parts[0], parts[1]
		case 2: // a project's access entry: no deployment
			o.Owner, o.Project, o.Deployment = parts[0], parts[1], ""
		}
	}
	t := env.Time
	switch m := msg.(type) {
	case events.DeploymentCreated:
		o.Kind, o.Status, o.Revision = KindOf(events.CreateDeployment{}.Type()), OpRunning, m.Revision.Number
	case events.RevisionCreated:
		if o.Kind == "" {
			o.Kind = kindOfCause(m.Revision.Cause)
		}
		o.Status, o.Revision = OpRunning, m.Revision.Number
	case events.DeploymentUnchanged:
		o.Status, o.Revision, o.Message, o.FinishedAt = OpSucceeded, m.Revision, m.Message, &t
		if o.Kind == "" {
			o.Kind = KindOf(events.UpdateDeployment{}.Type())
		}
	case events.DeploymentTerminated:
		o.Kind, o.Status, o.Revision, o.Message = KindOf(events.TerminateDeployment{}.Type()), OpRunning, m.Revision, m.Message
	case events.AliasSet:
		o.Kind, o.Status, o.Revision, o.Message = KindOf(events.SetAlias{}.Type()), OpRunning, m.Revision, "moving alias "+m.Alias
	case events.AliasMoved:
		o.Status, o.Revision, o.FinishedAt = OpSucceeded, m.Revision, &t
		o.Message = "alias " + m.Alias + " serves revision " + strconv.Itoa(m.Revision)
		if m.Warm {
			o.Message += " (instant: its pods were ready)"
		}
	case events.AliasMoveFailed:
		o.Status, o.Revision, o.Reason, o.Message, o.FinishedAt = OpFailed, m.Revision, m.Reason, m.Message, &t
	case events.AliasDeleted:
		o.Kind, o.Status, o.FinishedAt, o.Message = KindOf(events.DeleteAlias{}.Type()), OpSucceeded, &t, "alias "+m.Alias+" deleted"
	case events.PromotionPlanned:
		o.Kind, o.Deployment, o.Owner, o.Project = "promote", m.Target.String(), m.Target.Owner, m.Target.Project
		o.Status, o.Message = OpRunning, "planned "+m.Source.String()+"@v"+strconv.Itoa(m.SourceRevision)+" onto "+m.Target.String()
		if m.DryRun {
			o.Status, o.FinishedAt = OpSucceeded, &t
		}
	case events.PromotionApplied:
		if o.Kind == "" {
			o.Kind = KindOf(events.ApplyPromotion{}.Type())
		}
		o.Deployment, o.Owner, o.Project, o.Status = m.Target.String(), m.Target.Owner, m.Target.Project, OpRunning
	case events.CanaryStepStarted:
		o.Message = canaryStepText(m)
	case events.AnalysisMeasured:
		o.Message = fmt.Sprintf("canary step %d: measured %s", m.Step+1, m.Reason)
	case events.AnalysisInconclusive:
		o.Message = m.Message
	case events.CanaryPromoted:
		o.Kind, o.Status, o.Revision, o.FinishedAt = KindOf(events.PromoteRollout{}.Type()), OpSucceeded, m.Revision, &t
		o.Message = fmt.Sprintf("the canary of revision %d moved past step %d", m.Revision, m.Step+1)
		if m.Full {
			o.Message = fmt.Sprintf("the canary of revision %d promoted to completion", m.Revision)
		}
	case events.RolloutPaused:
		o.Kind, o.Status, o.Revision, o.FinishedAt = KindOf(events.PauseRollout{}.Type()), OpSucceeded, m.Revision, &t
	case events.RolloutResumed:
		o.Kind, o.Status, o.Revision, o.FinishedAt = KindOf(events.ResumeRollout{}.Type()), OpSucceeded, m.Revision, &t
	case events.RolloutAborted:
		// The abort's operation ends when the rollback it causes has rolled out.
		o.Kind, o.Status, o.Revision, o.Message = KindOf(events.AbortRollout{}.Type()), OpRunning, m.Revision, m.Message
		if m.RollbackTo == 0 {
			o.Status, o.FinishedAt = OpSucceeded, &t
		}
	case events.AccessDenied:
		o.Kind, o.Status, o.Reason, o.Message, o.FinishedAt = "access_denied", OpDenied, "Forbidden", m.Message, &t
	case events.APITokenCreated:
		o.Kind, o.Status, o.FinishedAt = "create_token", OpSucceeded, &t
		o.Message = "API token " + m.Name + " (" + m.ID + ") created"
	case events.APITokenRevoked:
		o.Kind, o.Status, o.FinishedAt = "revoke_token", OpSucceeded, &t
		o.Message = "API token " + m.Name + " (" + m.ID + ") revoked"
	case events.WebhookCreated:
		o.Kind, o.Status, o.FinishedAt = "create_webhook", OpSucceeded, &t
		o.Message = "webhook " + m.ID + " to " + m.URL + " created for " + scopeOf(m.Project) + ", events " + strings.Join(m.Events, ", ")
	case events.WebhookDeleted:
		o.Kind, o.Status, o.FinishedAt = "delete_webhook", OpSucceeded, &t
		o.Message = "webhook " + m.ID + " to " + m.URL + " deleted"
	case events.WebhookRedelivered:
		o.Kind, o.Status, o.FinishedAt = "redeliver_webhook", OpSucceeded, &t
		o.Message = "delivery " + m.DeliveryID + " of webhook " + m.ID + " to " + m.URL + " queued again"
	case events.TerminationCompleted:
		o.Status, o.FinishedAt = OpSucceeded, &t
	case events.CommandRejected:
		o.Kind, o.Status, o.Reason, o.Message, o.Fields, o.FinishedAt = KindOf(m.CommandType), OpRejected, m.Reason, m.Message, m.Fields, &t
	case events.RolloutStarted:
		o.Revision = m.Revision
	case events.RolloutProgressed:
		r := m.Replicas
		o.Replicas = &r
	case events.RolloutBaking:
		r := m.Replicas
		o.Replicas, o.Message = &r, "all replicas available; baking until "+m.Until.UTC().Format(time.RFC3339)
	case events.RolloutSucceeded:
		r := m.Replicas
		o.Status, o.Replicas, o.Reason, o.Message, o.FinishedAt = OpSucceeded, &r, events.ReasonRolloutComplete, "", &t
	case events.RolloutFailed:
		r := m.Replicas
		o.Status, o.Replicas, o.Reason, o.Message, o.FinishedAt = OpFailed, &r, m.Reason, m.Message, &t
	default:
		return false
	}
	o.Seq, o.UpdatedAt = seq, t
	return true
}

// ProjectEnded settles the operation of a rollout that ended without its own
// outcome: superseded by a newer revision, or aborted.
func ProjectEnded(o *Operation, seq uint64, env events.Envelope, reason, message string) bool {
	if o.ID == "" || o.Ended() || seq <= o.Seq {
		return false
	}
	t := env.Time
	o.Status, o.Reason, o.Message, o.FinishedAt, o.Seq, o.UpdatedAt = OpFailed, reason, message, &t, seq, t
	return true
}

func kindOfCause(cause string) string {
	switch cause {
	case events.CauseAutoRollback:
		return "auto_rollback"
	case events.CauseCreated:
		return KindOf(events.CreateDeployment{}.Type())
	case events.CauseRollback:
		return KindOf(events.RollbackDeployment{}.Type())
	case events.CauseAbort:
		return KindOf(events.AbortRollout{}.Type())
	case events.CausePromoted:
		return "promote"
	}
	return KindOf(events.UpdateDeployment{}.Type())
}

// KindOf turns a command type (slipway.command.create_deployment.v1) into an
// operation kind (create_deployment).
func KindOf(commandType string) string {
	s := strings.TrimPrefix(commandType, "slipway.command.")
	if i := strings.LastIndex(s, ".v"); i > 0 {
		s = s[:i]
	}
	return s
}

// Present fills the decoded fields of a document read from the store.
func (d *Deployment) Present() {
	if d.Warm == nil {
		d.Warm = []WarmRevision{} // a document written before the warm list
	}
	d.LabelMap = Labels{}
	for _, l := range d.Labels {
		d.LabelMap[l.Key] = l.Value
	}
	if d.SpecJSON != "" {
		var s events.Spec
		if json.Unmarshal([]byte(d.SpecJSON), &s) == nil {
			d.Spec = &s
		}
	}
}

// OperationDiff is what an event changes in the spec, given the deployment
// as it was before: the diff an audit entry shows. Nil for events that
// create no revision.
func OperationDiff(before Deployment, msg events.Message) []specdiff.Change {
	next, ok := events.RevisionOf(msg)
	if !ok {
		return nil
	}
	var prev events.Spec
	if before.SpecJSON != "" && before.Revision < next.Number && !before.Terminated {
		_ = json.Unmarshal([]byte(before.SpecJSON), &prev) // written by us from a Spec
	}
	return specdiff.Diff(prev, next.Spec)
}

// scopeOf names a webhook's scope in an audit message.
func scopeOf(project string) string {
	if project == "" {
		return "every project"
	}
	return project
}
