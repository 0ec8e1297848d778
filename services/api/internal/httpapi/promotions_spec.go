package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/validation"
	"slipway.dev/services/api/internal/fault"
)

// validatePromotionEnv checks the values given for env keys new in the
// source as a spec's env is checked (names, credentials, control
// characters): fields are "env.KEY".
func validatePromotionEnv(env map[string]string) events.FieldErrors {
	var fe events.FieldErrors
	for k, val := range env {
		var errs events.FieldErrors
		if errors.As(validation.Spec(events.Spec{Image: "x", Env: map[string]string{k: val}}), &errs) {
			for _, e := range errs {
				e.Field = "env." + strings.TrimPrefix(e.Field, "spec.env.")
				fe = append(fe, e)
			}
		}
	}
	return fe
}

// checkPromotedArtifact validates what a promotion takes from the source
// (the artifact, endpoints and probes: see the promoter's plan package) as
// the worker will, so a source revision created under older rules is a 400
// now rather than a rejection later. Fields are "source.spec.…". Called
// after authorization: the messages quote the source's spec.
func (a *API) checkPromotedArtifact(ctx context.Context, src events.DeploymentRef, revision int) error {
	var spec *events.Spec
	if revision > 0 {
		r, err := a.Reads.Revision(ctx, src.String(), revision)
		if errors.Is(err, fault.ErrNotFound) {
			return nil // the promoter answers an unknown revision
		} else if err != nil {
			return err
		}
		spec = r.Spec
	} else {
		d, err := a.Reads.Deployment(ctx, src.String())
		if err != nil {
			return err
		}
		spec = d.Spec
	}
	if spec == nil {
		return nil
	}
	artifact := events.Spec{Image: spec.Image, Model: spec.Model, Port: spec.Port, Command: spec.Command, Args: spec.Args,
		Endpoints: spec.Endpoints, Readiness: spec.Readiness, Liveness: spec.Liveness}
	return prefixSpecErrors(validation.Spec(artifact.WithDefaults()), "source.")
}

// checkPlannedSpec validates a plan's spec as the worker will apply it:
// fields are "plan.spec.…". A plan without a spec (one that needs input)
// is left to the promoter, which answers what is missing.
func checkPlannedSpec(plan json.RawMessage) error {
	var doc struct {
		Spec *events.Spec `json:"spec"`
	}
	if json.Unmarshal(plan, &doc) != nil || doc.Spec == nil {
		return nil
	}
	return prefixSpecErrors(validation.Spec(doc.Spec.WithDefaults()), "plan.")
}

func prefixSpecErrors(err error, prefix string) error {
	var fe events.FieldErrors
	if !errors.As(err, &fe) {
		return err
	}
	out := make(events.FieldErrors, len(fe))
	for i, e := range fe {
		out[i] = events.FieldError{Field: prefix + e.Field, Message: e.Message}
	}
	return out
}
