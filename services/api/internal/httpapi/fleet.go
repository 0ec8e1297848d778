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

	"slipway.dev/services/api/internal/fleetquery"
	"slipway.dev/services/api/internal/readmodel"
)

// Sort orders of the fleet list. Only immutable keys are offered, so a
// cursor stays correct while deployments are created or change.
var fleetSorts = map[string]struct{ byCreation, descending bool }{
	"name": {false, false}, "-name": {false, true},
	"createdAt": {true, false}, "-createdAt": {true, true},
}

// listDeployments answers GET /v1/deployments: filters ANDed, keyset
// (cursor) pagination, {"items": [...], "nextCursor"}. Items are summaries
// (readmodel.DeploymentSummary), or whole documents with view=full; a page
// has limit items (default 50; above 500 is a 400 naming limit).
func (a *API) listDeployments(c echo.Context) error {
	q, err := fleetFilter(c)
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
	full, err := viewParam(c)
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
	q.ByCreation, q.Descending = order.byCreation, order.descending
	if raw := c.QueryParam("cursor"); raw != "" {
		cur, err := decodeFleetCursor(raw, sortName)
		if err != nil {
			return err
		}
		q.AfterID, q.AfterCreated = cur.ID, cur.CreatedAt
	}
	ctx := c.Request().Context()
	if full {
		items, err := a.Reads.Deployments(ctx, q)
		if err != nil {
			return err
		}
		page := fleetPage(items, limit, sortName, func(d readmodel.Deployment) fleetItem {
			return fleetItem{deployment: deploymentOf(d), TargetReachability: a.reachability(d.Target)}
		}, func(d readmodel.Deployment) (string, time.Time) { return d.ID, d.CreatedAt })
		return c.JSON(http.StatusOK, page)
	}
	items, err := a.Reads.DeploymentSummaries(ctx, q)
	if err != nil {
		return err
	}
	page := fleetPage(items, limit, sortName, func(d readmodel.DeploymentSummary) summaryItem {
		return summaryItem{summary: summaryOf(d), TargetReachability: a.reachability(d.Target)}
	}, func(d readmodel.DeploymentSummary) (string, time.Time) { return d.ID, d.CreatedAt })
	return c.JSON(http.StatusOK, page)
}

// fleetList is a page of the fleet list.
type fleetList[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"nextCursor,omitempty"`
}

// fleetPage makes a page of at most limit items from up to limit+1 read, with
// the cursor after the last when there are more.
func fleetPage[D, T any](read []D, limit int, sortName string, item func(D) T, key func(D) (string, time.Time)) fleetList[T] {
	page := fleetList[T]{Items: make([]T, 0, min(len(read), limit))}
	if len(read) > limit {
		read = read[:limit]
		id, created := key(read[limit-1])
		page.NextCursor = encodeFleetCursor(fleetCursor{Sort: sortName, ID: id, CreatedAt: created})
	}
	for _, d := range read {
		page.Items = append(page.Items, item(d))
	}
	return page
}

// viewParam is whether the list shows whole documents (view=full) or
// summaries (view=summary, the default).
func viewParam(c echo.Context) (full bool, err error) {
	switch c.QueryParam("view") {
	case "", "summary":
		return false, nil
	case "full":
		return true, nil
	}
	return false, fmt.Errorf("%w: view must be summary or full", errBadParam)
}

// fleetFilter turns the query parameters into one query. Simple parameters
// are expressed as query terms, so they share the query's meaning exactly.
func fleetFilter(c echo.Context) (readmodel.FleetQuery, error) {
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
			return readmodel.FleetQuery{}, fmt.Errorf("%w: label must be key=value, not %q", errBadParam, l)
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
					return readmodel.FleetQuery{}, fmt.Errorf("%w: %s: %s", errBadParam, p.param, se.Msg)
				}
				return readmodel.FleetQuery{}, fmt.Errorf("%w: %s: %v", errBadParam, p.param, err)
			}
			terms = append(terms, q.Terms...)
		}
	}
	if raw := params.Get("q"); raw != "" {
		q, err := fleetquery.Parse(raw)
		if err != nil {
			return readmodel.FleetQuery{}, fmt.Errorf("%w: q: %v", errBadParam, err)
		}
		terms = append(terms, q.Terms...)
	}
	include := false
	if raw := params.Get("includeTerminated"); raw != "" {
		var err error
		if include, err = strconv.ParseBool(raw); err != nil {
			return readmodel.FleetQuery{}, fmt.Errorf("%w: includeTerminated must be true or false", errBadParam)
		}
	}
	return readmodel.FleetQuery{Query: fleetquery.Query{Terms: terms}, IncludeTerminated: include}, nil
}

// fleetCursor is the position after the last item of a page.
type fleetCursor struct {
	Sort      string    `json:"s"`
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"c"`
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
