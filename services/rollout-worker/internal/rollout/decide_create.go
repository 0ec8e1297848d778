package rollout

import (
	"fmt"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/validation"
)

// Decision is the outcome of deciding a command: events to append, exactly
// one of which settles the command (a rejection is an event too).
type Decision struct {
	Events []events.Message
}

// Rejected reports whether the decision is a rejection.
func (d Decision) Rejected() (events.CommandRejected, bool) {
	if len(d.Events) == 1 {
		r, ok := d.Events[0].(events.CommandRejected)
		return r, ok
	}
	return events.CommandRejected{}, false
}

func reject(cmd events.Message, reason, format string, args ...any) Decision {
	return Decision{Events: []events.Message{events.CommandRejected{
		CommandType: cmd.Type(), Reason: reason, Message: fmt.Sprintf(format, args...)}}}
}

// DecideCreate decides a CreateDeployment against the deployment's state.
func DecideCreate(s State, cmd events.CreateDeployment, cat Catalog) Decision {
	if s.Exists && s.Terminated {
		return reject(cmd, events.ReasonAlreadyExists,
			"deployment %s was terminated and its name is reserved; terminate it with freeName to reuse the name", cmd.Deployment)
	}
	if s.Exists {
		return reject(cmd, events.ReasonAlreadyExists, "deployment %s already exists", cmd.Deployment)
	}
	targetName := cmd.Target
	if targetName == "" {
		targetName = cat.Default
	}
	target, ok := cat.Targets[targetName]
	if !ok {
		return reject(cmd, events.ReasonUnknownTarget, "target %q is not registered", targetName)
	}
	spec := cmd.Spec.WithDefaults()
	if err := validation.Spec(spec); err != nil {
		d := reject(cmd, events.ReasonInvalidSpec, "the spec is invalid")
		if fe, ok := err.(events.FieldErrors); ok {
			r := d.Events[0].(events.CommandRejected)
			r.Fields = fe
			d.Events[0] = r
		}
		return d
	}
	if spec.InstanceType != "" && !target.InstanceTypes[spec.InstanceType] {
		return reject(cmd, events.ReasonUnknownInstance, "instance type %q is not offered by target %s", spec.InstanceType, targetName)
	}
	for field, fe := range map[string]*events.FieldError{
		"deployment.owner":   validation.Name("owner", cmd.Deployment.Owner, 63),
		"deployment.project": validation.Name("project", cmd.Deployment.Project, 63),
		"deployment.name":    validation.Name("name", cmd.Deployment.Name, validation.MaxDeploymentNameLen),
	} {
		if fe != nil {
			return reject(cmd, events.ReasonInvalidSpec, "%s %s", field, fe.Message)
		}
	}
	info := target.Info
	info.Name = targetName
	info.ObjectName = kube.ObjectName(cmd.Deployment.Owner, cmd.Deployment.Project, cmd.Deployment.Name)
	env := cmd.Environment
	if env == "" {
		env = "dev"
	}
	return Decision{Events: []events.Message{events.DeploymentCreated{
		Deployment: cmd.Deployment, Target: info, Environment: env, Labels: cmd.Labels,
		// A name freed by termination is created again with the next number:
		// the history is one, and revision numbers never repeat.
		Revision: events.Revision{Number: s.Current + 1, Spec: spec, Cause: events.CauseCreated},
	}}}
}
