package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"slipway.dev/pkg/validation"
	"slipway.dev/services/api/internal/readmodel"
)

// audit answers GET /v1/audit: who did what, when, with which diff and
// outcome, newest first. Each entry is an operation: its kind, actor,
// deployment, acceptance time, the spec diff it caused and its status.
func (a *API) audit(c echo.Context) error {
	q, err := auditQuery(c)
	if err != nil {
		return err
	}
	if patterns, all := principalOf(c).Scope(); !all {
		q.Scoped, q.Scope = true, patterns
	}
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	q.Limit = limit + 1
	if raw := c.QueryParam("cursor"); raw != "" {
		cur, err := decodeAuditCursor(raw)
		if err != nil {
			return err
		}
		q.AfterID, q.AfterAccepted = cur.ID, cur.At
	}
	items, err := a.Reads.Operations(c.Request().Context(), q)
	if err != nil {
		return err
	}
	page := map[string]any{"items": each(items, operationOf)}
	if len(items) > limit {
		items = items[:limit]
		last := items[limit-1]
		page["items"], page["nextCursor"] = each(items, operationOf), encodeAuditCursor(auditCursor{At: last.AcceptedAt, ID: last.ID})
	}
	return c.JSON(http.StatusOK, page)
}

// auditQuery turns the query parameters into one query.
func auditQuery(c echo.Context) (readmodel.OperationQuery, error) {
	params := c.QueryParams()
	q := readmodel.OperationQuery{Actor: params.Get("actor"), Kind: params.Get("kind"), Status: params.Get("status")}
	if v := params.Get("project"); v != "" {
		owner, project, ok := strings.Cut(v, "/")
		if !ok || validation.Name("", owner, 63) != nil || validation.Name("", project, 63) != nil {
			return q, fmt.Errorf("%w: project must be owner/project", errBadParam)
		}
		q.Owner, q.Project = owner, project
	}
	if v := params.Get("deployment"); v != "" {
		if _, ok := parseRef(v); !ok {
			return q, fmt.Errorf("%w: deployment must be owner/project/name", errBadParam)
		}
		q.Deployment = v
	}
	var err error
	if q.From, err = timeParam(c, "from"); err != nil {
		return q, err
	}
	q.To, err = timeParam(c, "to")
	return q, err
}

// timeParam is an RFC 3339 query parameter; nil when absent.
func timeParam(c echo.Context, name string) (*time.Time, error) {
	v := c.QueryParam(name)
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, fmt.Errorf("%w: %s must be an RFC 3339 time like 2026-11-24T10:00:00Z", errBadParam, name)
	}
	return &t, nil
}

type auditCursor struct {
	At time.Time `json:"at"`
	ID string    `json:"id"`
}

func encodeAuditCursor(c auditCursor) string {
	b, _ := json.Marshal(c) // always encodes
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeAuditCursor(raw string) (auditCursor, error) {
	var c auditCursor
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || json.Unmarshal(b, &c) != nil || c.ID == "" {
		return auditCursor{}, fmt.Errorf("%w: cursor is not one this API returned", errBadParam)
	}
	return c, nil
}
