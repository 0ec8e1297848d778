package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"go.mongodb.org/mongo-driver/v2/bson"

	"slipway.dev/pkg/validation"
)

// audit answers GET /v1/audit: who did what, when, with which diff and
// outcome, newest first. Each entry is an operation: its kind, actor,
// deployment, acceptance time, the spec diff it caused and its status.
func (a *API) audit(c echo.Context) error {
	filter, err := auditFilter(c)
	if err != nil {
		return err
	}
	filter = narrow(c, filter)
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	if raw := c.QueryParam("cursor"); raw != "" {
		cur, err := decodeAuditCursor(raw)
		if err != nil {
			return err
		}
		filter = bson.M{"$and": bson.A{filter, bson.M{"$or": bson.A{
			bson.M{"acceptedAt": bson.M{"$lt": cur.At}},
			bson.M{"acceptedAt": cur.At, "_id": bson.M{"$lt": cur.ID}},
		}}}}
	}
	sort := bson.D{{Key: "acceptedAt", Value: -1}, {Key: "_id", Value: -1}}
	items, err := a.Reads.Operations(c.Request().Context(), filter, sort, limit+1)
	if err != nil {
		return err
	}
	page := map[string]any{"items": items}
	if len(items) > limit {
		items = items[:limit]
		last := items[limit-1]
		page["items"], page["nextCursor"] = items, encodeAuditCursor(auditCursor{At: last.AcceptedAt, ID: last.ID})
	}
	return c.JSON(http.StatusOK, page)
}

func auditFilter(c echo.Context) (bson.M, error) {
	q := c.QueryParams()
	and := bson.A{}
	if v := q.Get("actor"); v != "" {
		and = append(and, bson.M{"actor": v})
	}
	if v := q.Get("kind"); v != "" {
		and = append(and, bson.M{"kind": v})
	}
	if v := q.Get("status"); v != "" {
		and = append(and, bson.M{"status": v})
	}
	if v := q.Get("project"); v != "" {
		owner, project, ok := strings.Cut(v, "/")
		if !ok || validation.Name("", owner, 63) != nil || validation.Name("", project, 63) != nil {
			return nil, fmt.Errorf("%w: project must be owner/project", errBadParam)
		}
		and = append(and, bson.M{"owner": owner, "project": project})
	}
	if v := q.Get("deployment"); v != "" {
		if _, ok := parseRef(v); !ok {
			return nil, fmt.Errorf("%w: deployment must be owner/project/name", errBadParam)
		}
		and = append(and, bson.M{"deployment": v})
	}
	for param, op := range map[string]string{"from": "$gte", "to": "$lt"} {
		if v := q.Get(param); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return nil, fmt.Errorf("%w: %s must be an RFC 3339 time like 2026-11-24T10:00:00Z", errBadParam, param)
			}
			and = append(and, bson.M{"acceptedAt": bson.M{op: t}})
		}
	}
	if len(and) == 0 {
		return bson.M{}, nil
	}
	return bson.M{"$and": and}, nil
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
