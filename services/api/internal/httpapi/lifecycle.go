package httpapi

import (
	"fmt"
	"strconv"

	"github.com/labstack/echo/v4"

	"slipway.dev/pkg/events"
)

type rollbackRequest struct {
	Revision int    `json:"revision"`
	Message  string `json:"message,omitempty"`
}

// rollbackDeployment creates a new revision with an earlier revision's spec.
func (a *API) rollbackDeployment(c echo.Context) error {
	ref := deploymentRef(c)
	var req rollbackRequest
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	wait, err := waitParam(c)
	if err != nil {
		return err
	}
	var fe events.FieldErrors
	if req.Revision < 1 {
		fe = append(fe, events.FieldError{Field: "revision", Message: "must be the number of an earlier revision (1 or more)"})
	}
	if len(req.Message) > maxMessageLen {
		fe = append(fe, events.FieldError{Field: "message", Message: fmt.Sprintf("must be at most %d characters", maxMessageLen)})
	}
	if len(fe) > 0 {
		return fe
	}
	cmd := events.RollbackDeployment{Deployment: ref, ToRevision: req.Revision, Message: req.Message}
	if _, err := a.Reads.Deployment(c.Request().Context(), ref.String()); err != nil {
		return a.orStored(c, err, submitRequest(c, events.KindRollback, ref, cmd), wait)
	}
	return a.submit(c, events.KindRollback, ref, cmd, wait)
}

// terminateDeployment removes the deployment's Kubernetes objects; history
// stays, and the name stays reserved unless ?freeName=true.
func (a *API) terminateDeployment(c echo.Context) error {
	ref := deploymentRef(c)
	wait, err := waitParam(c)
	if err != nil {
		return err
	}
	free := false
	if raw := c.QueryParam("freeName"); raw != "" {
		if free, err = strconv.ParseBool(raw); err != nil {
			return fmt.Errorf("%w: freeName must be true or false", errBadParam)
		}
	}
	cmd := events.TerminateDeployment{Deployment: ref, FreeName: free}
	if _, err := a.Reads.Deployment(c.Request().Context(), ref.String()); err != nil {
		return a.orStored(c, err, submitRequest(c, events.KindTerminate, ref, cmd), wait)
	}
	return a.submit(c, events.KindTerminate, ref, cmd, wait)
}
