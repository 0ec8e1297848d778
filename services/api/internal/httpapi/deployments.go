package httpapi

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/metrics"
	"slipway.dev/pkg/validation"
	"slipway.dev/services/api/internal/fault"
	"slipway.dev/services/api/internal/intake"
)

type createRequest struct {
	Name        string            `json:"name"`
	Target      string            `json:"target,omitempty"`
	Environment string            `json:"environment,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Spec        *events.Spec      `json:"spec"`
}

func (a *API) createDeployment(c echo.Context) error {
	owner, project := c.Param("owner"), c.Param("project")
	var req createRequest
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	wait, err := waitParam(c)
	if err != nil {
		return err
	}
	if err := validateCreate(owner, project, req); err != nil {
		return err
	}
	if fe := a.checkPlacement(req.Target, req.Spec.InstanceType); len(fe) > 0 {
		return fe
	}
	ref := events.DeploymentRef{Owner: owner, Project: project, Name: req.Name}
	cmd := events.CreateDeployment{Deployment: ref, Target: req.Target, Environment: req.Environment, Labels: req.Labels, Spec: *req.Spec}
	return a.submit(c, events.KindCreate, ref, cmd, wait)
}

func validateCreate(owner, project string, req createRequest) error {
	var fe events.FieldErrors
	add := func(e *events.FieldError) {
		if e != nil {
			fe = append(fe, *e)
		}
	}
	add(validation.Name("owner", owner, 63))
	add(validation.Name("project", project, 63))
	add(validation.Name("name", req.Name, validation.MaxDeploymentNameLen))
	if req.Target != "" {
		add(validation.Name("target", req.Target, 63))
	}
	if req.Environment != "" {
		add(validation.Name("environment", req.Environment, 63))
	}
	fe = append(fe, validation.Labels("labels", req.Labels)...)
	if req.Spec == nil {
		fe = append(fe, events.FieldError{Field: "spec", Message: "is required"})
	} else if err := validation.Spec(*req.Spec); err != nil {
		var specErrs events.FieldErrors
		if errors.As(err, &specErrs) {
			fe = append(fe, specErrs...)
		}
	}
	if len(fe) > 0 {
		return fe
	}
	return nil
}

func (a *API) getDeployment(c echo.Context) error {
	ref := events.DeploymentRef{Owner: c.Param("owner"), Project: c.Param("project"), Name: c.Param("name")}
	d, err := a.Reads.Deployment(c.Request().Context(), ref.String())
	if err != nil {
		return err
	}
	etag := deploymentETag(d)
	c.Response().Header().Set("ETag", etag)
	if c.Request().Header.Get("If-None-Match") == etag {
		return c.NoContent(http.StatusNotModified)
	}
	return c.JSON(http.StatusOK, deploymentOf(d))
}

// actor is who is asking, as commands, events and the audit log name them:
// token:<name>(<id>), user:<oidc user>, or user:anonymous without auth.
func actor(c echo.Context) string { return principalOf(c).Actor() }

// submitRequest is the intake request of a command from this HTTP request.
func submitRequest(c echo.Context, kind string, ref events.DeploymentRef, cmd events.Message) intake.Request {
	return intake.Request{Kind: kind, Ref: ref, Command: cmd, Actor: actor(c), IdempotencyKey: c.Request().Header.Get("Idempotency-Key")}
}

// submitError maps an intake failure: a reused key is the client's; the rest is an outage.
func submitError(err error) error {
	if errors.Is(err, intake.ErrKeyReused) {
		return err
	}
	return errors.Join(errUnavailable, err)
}

// orStored answers err, the failure of a check a command is accepted after,
// unless the check could not be made (a dependency unavailable: the store
// down) and the intake holds this very request, sent by the same actor,
// under its Idempotency-Key: a retry of a command stored before, and
// checked then. That one is answered as any retry of a stored command is,
// 202 with its operation (or its outcome with ?wait): a command already
// committed is never answered 5xx.
func (a *API) orStored(c echo.Context, err error, req intake.Request, wait waitFor) error {
	if !errors.Is(err, fault.ErrUnavailable) || req.IdempotencyKey == "" {
		return err
	}
	rec, ok, serr := a.Commands.Stored(c.Request().Context(), req)
	if serr != nil || !ok || rec.Actor != req.Actor {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/operations/"+rec.ID)
	return a.answerCommitted(c, rec, wait)
}

// submit accepts a command and answers 202 with its operation, or, with
// ?wait, the operation's outcome once it ends within the wait.
func (a *API) submit(c echo.Context, kind string, ref events.DeploymentRef, cmd events.Message, wait waitFor) error {
	rec, err := a.Commands.Submit(c.Request().Context(), submitRequest(c, kind, ref, cmd))
	if err != nil {
		return submitError(err)
	}
	metrics.CommandsAccepted.WithLabelValues(kind).Inc()
	c.Response().Header().Set(echo.HeaderLocation, "/v1/operations/"+rec.ID)
	if wait == 0 && !rec.Duplicate {
		// Stored just now: no event has touched its operation yet, so the
		// intake's record is the whole answer; no read-model lookup.
		return c.JSON(http.StatusAccepted, operationOf(acceptedOperation(rec)))
	}
	return a.answerCommitted(c, rec, wait)
}
