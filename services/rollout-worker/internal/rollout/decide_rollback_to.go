package rollout

import (
	"fmt"

	"slipway.dev/pkg/events"
)

// DecideRollback creates a revision running the spec of an earlier one.
// Rolling back to the spec that already runs creates nothing and says so.
func DecideRollback(s State, cmd events.RollbackDeployment) Decision {
	if d, gone := notLive(s, cmd, cmd.Deployment); gone {
		return d
	}
	target, ok := s.Revisions[cmd.ToRevision]
	if !ok {
		return reject(cmd, events.ReasonNotFound, "revision %d of %s does not exist (revisions 1 to %d do)", cmd.ToRevision, cmd.Deployment, s.Current)
	}
	cur := s.Revisions[s.Current]
	if sameJSON(target.Spec, cur.Spec) {
		return Decision{Events: []events.Message{events.DeploymentUnchanged{Revision: s.Current,
			Message: fmt.Sprintf("no change: revision %d runs the same spec as revision %d, the current one", s.Current, cmd.ToRevision)}}}
	}
	msg := fmt.Sprintf("rolled back from v%d to v%d", s.Current, cmd.ToRevision)
	if cmd.Message != "" {
		msg += ": " + cmd.Message
	}
	rev := events.Revision{Number: s.Current + 1, Spec: target.Spec, Cause: events.CauseRollback, Message: msg, RollbackOf: cmd.ToRevision,
		// The old template's ReplicaSet may still exist: reusing its label
		// makes the rollback a Kubernetes rollback to it.
		TemplateRevision: target.PodTemplateRevision()}
	if sameTemplate(target.Spec, cur.Spec) {
		rev.TemplateRevision = cur.PodTemplateRevision()
	}
	return Decision{Events: []events.Message{newRevision(s, rev)}}
}

// DecideTerminate terminates a deployment once; a second request is a no-op.
func DecideTerminate(s State, cmd events.TerminateDeployment) Decision {
	if !s.Exists {
		return reject(cmd, events.ReasonNotFound, "deployment %s does not exist", cmd.Deployment)
	}
	if s.Terminated {
		if cmd.FreeName {
			return Decision{Events: []events.Message{events.DeploymentTerminated{Revision: s.Current, FreeName: true, Message: cmd.Message}}}
		}
		return Decision{Events: []events.Message{events.DeploymentUnchanged{Revision: s.Current, Message: "the deployment is already terminated"}}}
	}
	ev := events.DeploymentTerminated{Revision: s.Current, FreeName: cmd.FreeName, Message: cmd.Message}
	if r := s.Rollout; r != nil && !r.Phase.Terminal() {
		ev.SupersededOperation = r.OperationID
	}
	return Decision{Events: []events.Message{ev}}
}

// DecideTerminationDone records that the objects are gone, once.
func DecideTerminationDone(s State, objects []string) []events.Message {
	if !s.Terminated || s.TerminationDone {
		return nil
	}
	return []events.Message{events.TerminationCompleted{Objects: objects}}
}
