package cli

import (
	"context"
	"errors"
	"net/http"
	"time"

	"slipway.dev/pkg/client"
	"slipway.dev/pkg/events"
)

// rolloutView is a rollout at one moment, as watches show it.
type rolloutView struct {
	Deployment string `json:"deployment"`
	// Phase and PhaseReason are the deployment's.
	Phase       events.DeploymentPhase `json:"phase"`
	PhaseReason string                 `json:"phaseReason,omitempty"`
	// Revision is the revision whose rollout is followed; Current the
	// deployment's latest (newer after a rollback or a superseding update).
	Revision     int                 `json:"revision"`
	From         int                 `json:"fromRevision,omitempty"`
	Current      int                 `json:"currentRevision"`
	RolloutPhase events.RolloutPhase `json:"rolloutPhase"`
	Replicas     events.Replicas     `json:"replicas"`
	Reason       string              `json:"reason,omitempty"`
	Message      string              `json:"message,omitempty"`
	Operation    string              `json:"operation,omitempty"`
	// BakeUntil is when a baking rollout succeeds unless its pods fail first.
	BakeUntil *time.Time `json:"bakeUntil,omitempty"`
	// Canary is a canary's step, traffic and latest measurements.
	Canary    *client.Canary `json:"canary,omitempty"`
	Done      bool           `json:"done"`
	Succeeded bool           `json:"succeeded"`
}

// The phases a view shows besides the API's: nothing was ever rolled out,
// or the API refused the command.
const (
	phaseNone     events.RolloutPhase = "None"
	phaseRejected events.RolloutPhase = "Rejected"
)

// follower follows the rollout a deployment has when it is first polled,
// by the deployment and the rollout's operation: once a newer revision
// replaces it (an automatic rollback, an abort, a superseding update), the
// operation says how it ended.
type follower struct {
	c        *client.Client
	ref      client.Ref
	started  bool
	revision int
	from     int
	opID     string
}

// poll reads the deployment (and the operation while the rollout runs).
func (f *follower) poll(ctx context.Context) (rolloutView, error) {
	d, err := f.c.GetDeployment(ctx, f.ref)
	if err != nil {
		return rolloutView{}, err
	}
	v := rolloutView{Deployment: d.ID, Phase: d.Phase, PhaseReason: d.Reason, Current: d.Revision}
	r := d.Rollout
	if !f.started {
		f.started = true
		if r == nil { // nothing was ever rolled out: nothing to follow
			v.Revision, v.RolloutPhase, v.Replicas = d.Revision, phaseNone, d.Replicas
			v.Done, v.Succeeded = true, d.Phase != events.DeploymentPhaseFailed
			return v, nil
		}
		f.revision, f.opID = r.Revision, r.OperationID
	}
	moved := r == nil || r.Revision != f.revision
	if !moved {
		f.from = r.FromRevision
	}
	v.Revision, v.From, v.Operation = f.revision, f.from, f.opID
	if !moved {
		v.RolloutPhase, v.Replicas, v.Reason, v.Message, v.BakeUntil, v.Canary = r.Phase, r.Replicas, r.Reason, r.Message, r.BakeUntil, r.Canary
		if r.FinishedAt != nil {
			v.Done, v.Succeeded = true, r.Phase == events.RolloutPhaseSucceeded
			return v, nil
		}
	} else {
		v.RolloutPhase = events.RolloutPhaseSuperseded
	}
	if f.opID == "" {
		v.Done = moved
		return v, nil
	}
	op, err := f.c.GetOperation(ctx, f.opID, 0)
	var p *client.ProblemError
	switch {
	case errors.As(err, &p) && p.Rejected():
		v.RolloutPhase, v.Reason, v.Message, v.Done = phaseRejected, p.Reason, p.Detail, true
		return v, nil
	case errors.As(err, &p) && p.Status == http.StatusNotFound:
		v.Done = moved // an operation the API no longer knows: the deployment decides
		return v, nil
	case err != nil:
		return v, err
	}
	if moved && op.Replicas != nil {
		v.Replicas = *op.Replicas
	}
	if op.Status == client.OpRejected {
		v.RolloutPhase, v.Reason, v.Message, v.Done = phaseRejected, op.Reason, op.Message, true
		return v, nil
	}
	if !op.Ended() {
		if moved { // the deployment moved on before the operation was settled
			v.RolloutPhase = events.RolloutPhaseProgressing
		}
		return v, nil
	}
	v.Done, v.Succeeded = true, op.Status == client.OpSucceeded
	v.RolloutPhase = phaseOf(op)
	if op.Reason != "" || op.Message != "" {
		v.Reason, v.Message = op.Reason, op.Message
	}
	return v, nil
}

// phaseOf names the rollout phase an ended operation stands for.
func phaseOf(op client.Operation) events.RolloutPhase {
	switch {
	case op.Status == client.OpSucceeded:
		return events.RolloutPhaseSucceeded
	case op.Reason == events.ReasonSuperseded || op.Reason == events.ReasonAborted:
		return events.RolloutPhase(op.Reason)
	}
	return events.RolloutPhaseFailed
}

// follow polls every interval, calling show with each view, until the
// rollout ends or ctx is done.
func follow(ctx context.Context, f *follower, interval time.Duration, show func(rolloutView) error) (rolloutView, error) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		v, err := f.poll(ctx)
		if err != nil {
			return v, err
		}
		if err := show(v); err != nil {
			return v, err
		}
		if v.Done {
			return v, nil
		}
		select {
		case <-ctx.Done():
			return v, ctx.Err()
		case <-tick.C:
		}
	}
}
