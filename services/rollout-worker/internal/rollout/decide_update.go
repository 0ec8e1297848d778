package rollout

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/mergepatch"
	"slipway.dev/pkg/validation"
)

// DecideUpdate applies the command's merge patch to the current revision's
// spec. An invalid result is rejected naming the fields; a result equal to
// the current spec creates no revision; otherwise revision N+1 is created,
// superseding a rollout still in flight.
func DecideUpdate(s State, cmd events.UpdateDeployment, cat Catalog) Decision {
	if d, gone := notLive(s, cmd, cmd.Deployment); gone {
		return d
	}
	if cmd.ExpectedSeq != 0 && cmd.ExpectedSeq != s.Version {
		return reject(cmd, events.ReasonPreconditionFailed,
			"the deployment changed since version %d (it is now at %d); read it again and retry", cmd.ExpectedSeq, s.Version)
	}
	cur := s.Revisions[s.Current]
	spec, fields, err := patchSpec(cur.Spec, cmd.SpecPatch)
	if err != nil {
		d := reject(cmd, events.ReasonInvalidSpec, "%v", err)
		r := d.Events[0].(events.CommandRejected)
		r.Fields = fields
		d.Events[0] = r
		return d
	}
	if t, ok := cat.Targets[s.Target.Name]; ok && spec.InstanceType != "" && !t.InstanceTypes[spec.InstanceType] {
		return reject(cmd, events.ReasonUnknownInstance, "instance type %q is not offered by target %s", spec.InstanceType, s.Target.Name)
	}
	if sameJSON(spec, cur.Spec) {
		return Decision{Events: []events.Message{events.DeploymentUnchanged{Revision: s.Current,
			Message: fmt.Sprintf("no change: the spec already matches revision %d", s.Current)}}}
	}
	rev := events.Revision{Number: s.Current + 1, Spec: spec, Cause: events.CauseUpdated, Message: cmd.Message}
	if sameTemplate(spec, cur.Spec) {
		rev.TemplateRevision = cur.PodTemplateRevision()
	}
	return Decision{Events: []events.Message{newRevision(s, rev)}}
}

// newRevision wraps a revision, recording the rollout it supersedes.
func newRevision(s State, rev events.Revision) events.RevisionCreated {
	ev := events.RevisionCreated{Revision: rev}
	if r := s.Rollout; r != nil && !r.Phase.Terminal() {
		ev.Supersedes, ev.SupersededOperation = r.Revision, r.OperationID
	}
	return ev
}

// patchSpec merges the patch into spec, decodes the result strictly, fills
// defaults and validates it.
func patchSpec(spec events.Spec, patch json.RawMessage) (events.Spec, events.FieldErrors, error) {
	if len(bytes.TrimSpace(patch)) == 0 || bytes.TrimSpace(patch)[0] != '{' {
		return events.Spec{}, events.FieldErrors{{Field: "spec", Message: "the patch must be a JSON object"}}, fmt.Errorf("the spec patch must be a JSON object")
	}
	base, err := json.Marshal(spec)
	if err != nil {
		return events.Spec{}, nil, err
	}
	merged, err := mergepatch.Apply(base, patch)
	if err != nil {
		return events.Spec{}, events.FieldErrors{{Field: "spec", Message: err.Error()}}, err
	}
	dec := json.NewDecoder(bytes.NewReader(merged))
	dec.DisallowUnknownFields()
	var out events.Spec
	if err := dec.Decode(&out); err != nil {
		return events.Spec{}, events.FieldErrors{{Field: "spec", Message: decodeMessage(err)}}, fmt.Errorf("the patched spec is invalid: %s", decodeMessage(err))
	}
	out = out.WithDefaults()
	if err := validation.Spec(out); err != nil {
		fe, _ := err.(events.FieldErrors)
		return events.Spec{}, fe, fmt.Errorf("the patched spec is invalid")
	}
	return out, nil, nil
}

func decodeMessage(err error) string {
	var typ *json.UnmarshalTypeError
	if ok := asTypeError(err, &typ); ok {
		return fmt.Sprintf("spec.%s has the wrong type", typ.Field)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func asTypeError(err error, target **json.UnmarshalTypeError) bool {
	t, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*target = t
	}
	return ok
}

// sameJSON compares two specs as they are stored.
func sameJSON(a, b events.Spec) bool {
	x, _ := json.Marshal(a) // a Spec always encodes
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// sameTemplate reports whether two specs run the same pods: they differ at
// most in scaling and rollout strategy, which Kubernetes applies without
// replacing pods.
func sameTemplate(a, b events.Spec) bool {
	a.Replicas, a.Scaling, a.Rollout = nil, nil, nil
	b.Replicas, b.Scaling, b.Rollout = nil, nil, nil
	return sameJSON(a, b)
}

// notLive rejects a command for a deployment that does not exist or was terminated.
func notLive(s State, cmd events.Message, ref events.DeploymentRef) (Decision, bool) {
	switch {
	case !s.Exists:
		return reject(cmd, events.ReasonNotFound, "deployment %s does not exist", ref), true
	case s.Terminated:
		return reject(cmd, events.ReasonNotFound, "deployment %s was terminated", ref), true
	}
	return Decision{}, false
}

// DecideDrift records drift found on the current revision's objects. With
// adopted set (a spec taking the cluster's change), it creates the adopting
// revision in the same event; it keeps the running pod template revision.
// Nothing is decided when the deployment moved on since the check began.
func DecideDrift(s State, ev events.DriftDetected, adopted *events.Spec, message string) []events.Message {
	if s.Terminated || s.Current != ev.Revision || s.Rollout == nil || !s.Rollout.Phase.Terminal() {
		return nil
	}
	if adopted != nil {
		cur := s.Revisions[s.Current]
		spec := adopted.WithDefaults()
		if sameJSON(spec, cur.Spec) {
			return nil
		}
		ev.Adopted = &events.Revision{Number: s.Current + 1, Spec: spec, Cause: events.CauseAdopted, Message: message,
			TemplateRevision: cur.PodTemplateRevision()}
	}
	return []events.Message{ev}
}
