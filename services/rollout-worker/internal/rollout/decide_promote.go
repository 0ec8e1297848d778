package rollout

import (
	"fmt"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/validation"
)

// DecidePromote runs a promotion's planned spec on the target as a new
// revision (cause promoted). A plan made on a version the target has since
// left (events.MovesVersion: its spec, aliases or termination changed) is
// stale and refused: the reviewed diff would no longer be the change.
func DecidePromote(s State, cmd events.PromoteDeployment, cat Catalog) Decision {
	if d, gone := notLive(s, cmd, cmd.Deployment); gone {
		return d
	}
	if cmd.ExpectedSeq != s.Version {
		return reject(cmd, events.ReasonPreconditionFailed,
			"the plan is stale: %s changed since it was planned (version %d, now %d); plan the promotion again", cmd.Deployment, cmd.ExpectedSeq, s.Version)
	}
	spec := cmd.Spec.WithDefaults()
	if err := validation.Spec(spec); err != nil {
		d := reject(cmd, events.ReasonInvalidSpec, "the promoted spec is invalid")
		if fe, ok := err.(events.FieldErrors); ok {
			r := d.Events[0].(events.CommandRejected)
			r.Fields = fe
			d.Events[0] = r
		}
		return d
	}
	if t, ok := cat.Targets[s.Target.Name]; ok && spec.InstanceType != "" && !t.InstanceTypes[spec.InstanceType] {
		return reject(cmd, events.ReasonUnknownInstance, "instance type %q is not offered by target %s", spec.InstanceType, s.Target.Name)
	}
	cur := s.Revisions[s.Current]
	if sameJSON(spec, cur.Spec) {
		return unchanged(s, "no change: %s already runs what %s@v%d would bring", cmd.Deployment, cmd.Source, cmd.SourceRevision)
	}
	msg := fmt.Sprintf("promoted from %s@v%d", cmd.Source, cmd.SourceRevision)
	if cmd.Message != "" {
		msg += ": " + cmd.Message
	}
	rev := events.Revision{Number: s.Current + 1, Spec: spec, Cause: events.CausePromoted, Message: msg,
		PromotedFrom: &events.PromotionSource{Deployment: cmd.Source, Revision: cmd.SourceRevision, PromotionID: cmd.PromotionID}}
	if sameTemplate(spec, cur.Spec) {
		rev.TemplateRevision = cur.PodTemplateRevision()
	}
	return Decision{Events: []events.Message{newRevision(s, rev)}}
}
