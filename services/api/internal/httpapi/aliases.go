package httpapi

import (
	"fmt"

	"github.com/labstack/echo/v4"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/validation"
	"slipway.dev/services/api/internal/fault"
)

type aliasRequest struct {
	Revision int    `json:"revision"`
	Message  string `json:"message,omitempty"`
}

// setAlias points an alias at a revision (creating the alias when new).
func (a *API) setAlias(c echo.Context) error {
	ref := deploymentRef(c)
	var req aliasRequest
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	wait, err := waitParam(c)
	if err != nil {
		return err
	}
	var fe events.FieldErrors
	if e := validation.Alias("alias", c.Param("alias")); e != nil {
		fe = append(fe, *e)
	}
	if req.Revision < 1 {
		fe = append(fe, events.FieldError{Field: "revision", Message: "must be a revision number (1 or more)"})
	}
	if len(req.Message) > maxMessageLen {
		fe = append(fe, events.FieldError{Field: "message", Message: fmt.Sprintf("must be at most %d characters", maxMessageLen)})
	}
	if len(fe) > 0 {
		return fe
	}
	cmd := events.SetAlias{Deployment: ref, Alias: c.Param("alias"), Revision: req.Revision, Message: req.Message}
	if _, err := a.Reads.Deployment(c.Request().Context(), ref.String()); err != nil {
		return a.orStored(c, err, submitRequest(c, events.KindAlias, ref, cmd), wait)
	}
	return a.submit(c, events.KindAlias, ref, cmd, wait)
}

// deleteAlias removes an alias and its Service.
func (a *API) deleteAlias(c echo.Context) error {
	ref := deploymentRef(c)
	wait, err := waitParam(c)
	if err != nil {
		return err
	}
	name := c.Param("alias")
	d, err := a.Reads.Deployment(c.Request().Context(), ref.String())
	if err != nil {
		return a.orStored(c, err, submitRequest(c, events.KindAlias, ref, events.DeleteAlias{Deployment: ref, Alias: name}), wait)
	}
	found := false
	for _, al := range d.Aliases {
		found = found || al.Name == name
	}
	if !found {
		return fmt.Errorf("alias %s of %s: %w", name, ref, fault.ErrNotFound)
	}
	return a.submit(c, events.KindAlias, ref, events.DeleteAlias{Deployment: ref, Alias: name}, wait)
}
