package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/labstack/echo/v4"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/mergepatch"
	"slipway.dev/pkg/validation"
	"slipway.dev/services/api/internal/readmodel"
)

// updateRequest is a PATCH body: Spec is a JSON merge patch (RFC 7396) on
// the deployment's spec.
type updateRequest struct {
	Spec    json.RawMessage `json:"spec"`
	Message string          `json:"message,omitempty"`
}

const maxMessageLen = 1024

// updateDeployment validates the patch against the current spec at once, so
// mistakes are 400s that write nothing; the worker applies it again to the
// authoritative spec when it decides, so no concurrent change is lost.
func (a *API) updateDeployment(c echo.Context) error {
	ref := events.DeploymentRef{Owner: c.Param("owner"), Project: c.Param("project"), Name: c.Param("name")}
	var req updateRequest
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	wait, err := waitParam(c)
	if err != nil {
		return err
	}
	if err := validatePatch(req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	current, err := a.Reads.Deployment(ctx, ref.String())
	if err != nil {
		// The command as it was stored, if it was: the version asked for
		// is not checked against a document that could not be read.
		expected, merr := ifMatch(c, readmodel.Deployment{})
		if merr != nil {
			return merr
		}
		cmd := events.UpdateDeployment{Deployment: ref, SpecPatch: req.Spec, Message: req.Message, ExpectedSeq: expected}
		return a.orStored(c, err, submitRequest(c, events.KindUpdate, ref, cmd), wait)
	}
	if current.Spec != nil {
		patched, err := checkPatchedSpec(*current.Spec, req.Spec)
		if err != nil {
			return err
		}
		if fe := a.checkPlacement(current.Target, patched.InstanceType); len(fe) > 0 {
			return fe
		}
		if err := a.fitsARevision(patched); err != nil {
			return err
		}
	}
	expected, err := ifMatch(c, current)
	if err != nil {
		return err
	}
	cmd := events.UpdateDeployment{Deployment: ref, SpecPatch: req.Spec, Message: req.Message, ExpectedSeq: expected}
	return a.submit(c, events.KindUpdate, ref, cmd, wait)
}

func validatePatch(req updateRequest) error {
	var fe events.FieldErrors
	trimmed := bytes.TrimSpace(req.Spec)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		fe = append(fe, events.FieldError{Field: "spec", Message: "is required: a JSON merge patch object of the spec"})
	}
	if len(req.Message) > maxMessageLen {
		fe = append(fe, events.FieldError{Field: "message", Message: fmt.Sprintf("must be at most %d characters", maxMessageLen)})
	}
	if len(fe) > 0 {
		return fe
	}
	return nil
}

// checkPatchedSpec applies the patch to spec and validates the result the
// way the worker will.
func checkPatchedSpec(spec events.Spec, patch json.RawMessage) (events.Spec, error) {
	base, err := json.Marshal(spec)
	if err != nil {
		return events.Spec{}, err
	}
	merged, err := mergepatch.Apply(base, patch)
	if err != nil {
		return events.Spec{}, fmt.Errorf("%w: %v", errMalformed, err)
	}
	dec := json.NewDecoder(bytes.NewReader(merged))
	dec.DisallowUnknownFields()
	var out events.Spec
	if err := dec.Decode(&out); err != nil {
		return events.Spec{}, prefixFields(decodeError(err), "spec.")
	}
	out = out.WithDefaults()
	return out, validation.Spec(out)
}

// fitsARevision refuses a patched spec larger than a body may be: the
// revision event that carries it must fit in a bus message as the command
// did, or the worker could never record it.
func (a *API) fitsARevision(spec events.Spec) error {
	b, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	if limit := a.bodyLimit(); int64(len(b)) > limit {
		return fmt.Errorf("%w: the spec after this patch would be %d bytes, at most %d bytes", errTooLarge, len(b), limit)
	}
	return nil
}

// prefixFields puts the fields of a decode error under a parent path.
func prefixFields(err error, prefix string) error {
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

// ifMatch reads If-Match (an ETag from GET) and refuses at once when the
// deployment's version moved past it, as its document says. A document
// behind the version asked for was read where a projection had not yet
// applied what the client read elsewhere (another replica's view is ahead
// of the store by up to one flush: readmodel.DeploymentView), so that
// goes on: the worker decides against the history, which is the truth
// (the command carries the version as expectedSeq), and a refusal there
// answers 412 as well.
func ifMatch(c echo.Context, current readmodel.Deployment) (uint64, error) {
	raw := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if raw == "" || raw == "*" {
		return 0, nil
	}
	version, ok := etagVersion(raw)
	if !ok {
		return 0, fmt.Errorf("%w: If-Match must be an ETag returned by GET, like \"42.57\", or its version, like \"42\"", errBadParam)
	}
	if current.Version > version {
		return 0, fmt.Errorf("%w: the deployment is at version %d, not %d; read it again and retry", errPrecondition, current.Version, version)
	}
	return version, nil
}
