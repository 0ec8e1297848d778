package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"go.mongodb.org/mongo-driver/v2/bson"

	"slipway.dev/services/api/internal/fleetquery"
)

// Sort orders of the fleet list. Only immutable keys are offered, so a
// cursor stays correct while deployments are created or change.
var fleetSorts = map[string]struct {
	field string
	dir   int
}{
	"name": {"_id", 1}, "-name": {"_id", -1},
	"createdAt": {"createdAt", 1}, "-createdAt": {"createdAt", -1},
}

// listDeployments answers GET /v1/deployments: filters ANDed, keyset
// (cursor) pagination, {"items": [...], "nextCursor"}.
func (a *API) listDeployments(c echo.Context) error {
	filter, err := fleetFilter(c)
	if err != nil {
		return err
	}
	filter = narrow(c, filter)
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	sortName := c.QueryParam("sort")
	if sortName == "" {
		sortName = "name"
	}
	order, ok := fleetSorts[sortName]
	if !ok {
		return fmt.Errorf("%w: sort must be one of name, -name, createdAt, -createdAt", errBadParam)
	}
	if raw := c.QueryParam("cursor"); raw != "" {
		cur, err := decodeFleetCursor(raw, sortName)
		if err != nil {
			return err
		}
		filter = bson.M{"$and": bson.A{filter, cur.after(order.field, order.dir)}}
	}
	sort := bson.D{{Key: order.field, Value: order.dir}}
	if order.field != "_id" {
		sort = append(sort, bson.E{Key: "_id", Value: order.dir})
	}
	items, err := a.Reads.Deployments(c.Request().Context(), filter, sort, limit+1)
	if err != nil {
		return err
	}
	page := map[string]any{"items": items}
	if len(items) > limit {
		items = items[:limit]
		last := items[limit-1]
		page["items"], page["nextCursor"] = items, encodeFleetCursor(fleetCursor{Sort: sortName, ID: last.ID, CreatedAt: last.CreatedAt})
	}
	page["items"] = a.withReachability(page["items"])
	return c.JSON(http.StatusOK, page)
}

// fleetFilter turns the query parameters into one filter. Simple parameters
// are expressed as query terms, so they share the query's meaning exactly.
func fleetFilter(c echo.Context) (bson.M, error) {
	params := c.QueryParams()
	var terms []fleetquery.Term
	add := func(field, value string) {
		if value != "" {
			terms = append(terms, fleetquery.Term{Field: field, Op: fleetquery.Eq, Value: value})
		}
	}
	add("target", params.Get("target"))
	add("environment", params.Get("environment"))
	add("owner", params.Get("owner"))
	if p := params.Get("project"); strings.Contains(p, "/") {
		owner, project, _ := strings.Cut(p, "/")
		add("owner", owner)
		add("project", project)
	} else {
		add("project", p)
	}
	for _, l := range params["label"] {
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%w: label must be key=value, not %q", errBadParam, l)
		}
		terms = append(terms, fleetquery.Term{Field: "label", Key: k, Op: fleetquery.Eq, Value: v})
	}
	if s := params.Get("search"); s != "" {
		terms = append(terms, fleetquery.Term{Field: "name", Op: fleetquery.Contains, Value: s})
	}
	for _, p := range []struct{ param, field string }{{"status", "phase"}, {"health", "health"}} {
		if v := params.Get(p.param); v != "" {
			q, err := fleetquery.Parse(p.field + "=" + strconv.Quote(v))
			if err != nil {
				var se *fleetquery.SyntaxError
				if errors.As(err, &se) {
					return nil, fmt.Errorf("%w: %s: %s", errBadParam, p.param, se.Msg)
				}
				return nil, fmt.Errorf("%w: %s: %v", errBadParam, p.param, err)
			}
			terms = append(terms, q.Terms...)
		}
	}
	if raw := params.Get("q"); raw != "" {
		q, err := fleetquery.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: q: %v", errBadParam, err)
		}
		terms = append(terms, q.Terms...)
	}
	filter := fleetquery.Query{Terms: terms}.Filter()
	include := false
	if raw := params.Get("includeTerminated"); raw != "" {
		var err error
		if include, err = strconv.ParseBool(raw); err != nil {
			return nil, fmt.Errorf("%w: includeTerminated must be true or false", errBadParam)
		}
	}
	if !include {
		filter = bson.M{"$and": bson.A{filter, bson.M{"terminated": bson.M{"$ne": true}}}}
	}
	return filter, nil
}

// fleetCursor is the position after the last item of a page.
type fleetCursor struct {
	Sort      string    `json:"s"`
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"c"`
}

func (fc fleetCursor) after(field string, dir int) bson.M {
	op := "$gt"
	if dir < 0 {
		op = "$lt"
	}
	if field == "_id" {
		return bson.M{"_id": bson.M{op: fc.ID}}
	}
	return bson.M{"$or": bson.A{
		bson.M{field: bson.M{op: fc.CreatedAt}},
		bson.M{field: fc.CreatedAt, "_id": bson.M{op: fc.ID}},
	}}
}

func encodeFleetCursor(fc fleetCursor) string {
	b, _ := json.Marshal(fc) // a fleetCursor always encodes
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeFleetCursor(raw, sort string) (fleetCursor, error) {
	var fc fleetCursor
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || json.Unmarshal(b, &fc) != nil || fc.ID == "" {
		return fleetCursor{}, fmt.Errorf("%w: cursor is not one this API returned", errBadParam)
	}
	if fc.Sort != sort {
		return fleetCursor{}, fmt.Errorf("%w: the cursor belongs to sort=%s; keep the same sort while paging", errBadParam, fc.Sort)
	}
	return fc, nil
}
