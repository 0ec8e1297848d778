package httpapi

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"slipway.dev/pkg/events"
)

const (
	defaultLimit = 50
	maxLimit     = 500
)

func deploymentRef(c echo.Context) events.DeploymentRef {
	return events.DeploymentRef{Owner: c.Param("owner"), Project: c.Param("project"), Name: c.Param("name")}
}

// listRevisions answers {"items": [...], "nextCursor"} newest first.
func (a *API) listRevisions(c echo.Context) error {
	ref := deploymentRef(c)
	ctx := c.Request().Context()
	if _, err := a.Reads.Deployment(ctx, ref.String()); err != nil {
		return err
	}
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	before := 0
	if raw := c.QueryParam("cursor"); raw != "" {
		if before, err = decodeRevisionCursor(raw); err != nil {
			return err
		}
	}
	items, err := a.Reads.Revisions(ctx, ref.String(), before, limit+1)
	if err != nil {
		return err
	}
	page := map[string]any{"items": each(items, revisionOf)}
	if len(items) > limit {
		page["items"] = each(items[:limit], revisionOf)
		page["nextCursor"] = encodeRevisionCursor(items[limit-1].Number)
	}
	return c.JSON(http.StatusOK, page)
}

func (a *API) getRevision(c echo.Context) error {
	n, err := revisionParam(c.Param("n"))
	if err != nil {
		return err
	}
	r, err := a.Reads.Revision(c.Request().Context(), deploymentRef(c).String(), n)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, revisionOf(r))
}

func revisionParam(raw string) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(raw, "v"))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%w: a revision is a positive number like 3 or v3, not %q", errBadParam, raw)
	}
	return n, nil
}

func limitParam(c echo.Context) (int, error) {
	raw := c.QueryParam("limit")
	if raw == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > maxLimit {
		return 0, fmt.Errorf("%w: limit must be between 1 and %d", errBadParam, maxLimit)
	}
	return n, nil
}

func encodeRevisionCursor(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("rev:" + strconv.Itoa(n)))
}

func decodeRevisionCursor(raw string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err == nil {
		if n, err := strconv.Atoi(strings.TrimPrefix(string(b), "rev:")); err == nil && strings.HasPrefix(string(b), "rev:") && n > 0 {
			return n, nil
		}
	}
	return 0, fmt.Errorf("%w: cursor is not one this API returned", errBadParam)
}
