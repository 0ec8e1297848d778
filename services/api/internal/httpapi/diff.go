package httpapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"slipway.dev/pkg/specdiff"
)

// diffRevisions answers the field-level difference between two revisions'
// specs: JSON by default, the readable form with Accept: text/plain.
// Secrets appear as references (name, key, version): Slipway has no values.
func (a *API) diffRevisions(c echo.Context) error {
	from, err := revisionParam(c.Param("n"))
	if err != nil {
		return err
	}
	to, err := revisionParam(c.Param("m"))
	if err != nil {
		return err
	}
	id := deploymentRef(c).String()
	ctx := c.Request().Context()
	a1, err := a.Reads.Revision(ctx, id, from)
	if err != nil {
		return err
	}
	a2, err := a.Reads.Revision(ctx, id, to)
	if err != nil {
		return err
	}
	if a1.Spec == nil || a2.Spec == nil {
		return fmt.Errorf("revisions %d and %d of %s: a stored spec is unreadable", from, to, id)
	}
	changes := specdiff.Diff(*a1.Spec, *a2.Spec)
	text := specdiff.Render(changes)
	if strings.Contains(c.Request().Header.Get("Accept"), "text/plain") {
		return c.String(http.StatusOK, text+"\n")
	}
	return c.JSON(http.StatusOK, map[string]any{"from": from, "to": to, "changes": changes, "text": text})
}
