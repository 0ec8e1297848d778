package readmodel

import (
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"slipway.dev/services/api/internal/fleetquery"
)

// FleetQuery is one page of the fleet list. The store answers it with
// Filter and Sort, the FleetIndex in memory with the same meaning.
type FleetQuery struct {
	Query fleetquery.Query
	// Scoped limits the page to the projects in Scope ("owner/project" or
	// "owner/*"); an empty Scope then matches nothing.
	Scoped            bool
	Scope             []string
	IncludeTerminated bool
	// ByCreation orders by creation time, then id; otherwise by id.
	ByCreation, Descending bool
	// AfterID (when set) and AfterCreated are the last item of the previous
	// page: the page starts after it in this order (keyset paging).
	AfterID      string
	AfterCreated time.Time
	// Limit is the most items read (0: all).
	Limit int
}

// ScopeFilter is the store filter of a caller's scope: the projects
// matching patterns ("owner/project" or "owner/*"); nil when all is set.
func ScopeFilter(patterns []string, all bool) bson.M {
	if all {
		return nil
	}
	or := bson.A{}
	for _, pat := range patterns {
		owner, proj, _ := strings.Cut(pat, "/")
		if proj == "*" {
			or = append(or, bson.M{"owner": owner})
		} else {
			or = append(or, bson.M{"owner": owner, "project": proj})
		}
	}
	if len(or) == 0 {
		return bson.M{"owner": bson.M{"$in": bson.A{}}}
	}
	return bson.M{"$or": or}
}

// Filter is the query as a store filter.
func (q FleetQuery) Filter() bson.M {
	filter := q.Query.Filter()
	and := func(f bson.M) {
		if len(filter) == 0 {
			filter = f
			return
		}
		filter = bson.M{"$and": bson.A{filter, f}}
	}
	if !q.IncludeTerminated {
		and(bson.M{"terminated": bson.M{"$ne": true}})
	}
	if q.Scoped {
		and(ScopeFilter(q.Scope, false))
	}
	if q.AfterID != "" {
		op := "$gt"
		if q.Descending {
			op = "$lt"
		}
		if q.ByCreation {
			and(bson.M{"$or": bson.A{
				bson.M{"createdAt": bson.M{op: q.AfterCreated}},
				bson.M{"createdAt": q.AfterCreated, "_id": bson.M{op: q.AfterID}},
			}})
		} else {
			and(bson.M{"_id": bson.M{op: q.AfterID}})
		}
	}
	return filter
}

// Sort is the query's order as a store sort.
func (q FleetQuery) Sort() bson.D {
	dir := 1
	if q.Descending {
		dir = -1
	}
	if q.ByCreation {
		return bson.D{{Key: "createdAt", Value: dir}, {Key: "_id", Value: dir}}
	}
	return bson.D{{Key: "_id", Value: dir}}
}

// match is Filter evaluated on one summary.
func (q FleetQuery) match(s *DeploymentSummary) bool {
	if s.Terminated && !q.IncludeTerminated {
		return false
	}
	if q.Scoped && !inScope(q.Scope, s.Owner, s.Project) {
		return false
	}
	if q.AfterID != "" && !q.before(&DeploymentSummary{ID: q.AfterID, CreatedAt: q.AfterCreated}, s) {
		return false
	}
	return q.Query.Match(summaryFields{s})
}

// before reports whether a comes before b in the query's order.
func (q FleetQuery) before(a, b *DeploymentSummary) bool {
	if q.Descending {
		a, b = b, a
	}
	if q.ByCreation && !a.CreatedAt.Equal(b.CreatedAt) {
		return a.CreatedAt.Before(b.CreatedAt)
	}
	return a.ID < b.ID
}

func inScope(patterns []string, owner, project string) bool {
	for _, pat := range patterns {
		o, p, _ := strings.Cut(pat, "/")
		if o == owner && (p == "*" || p == project) {
			return true
		}
	}
	return false
}

// summaryFields shows a summary to fleetquery.Match.
type summaryFields struct{ s *DeploymentSummary }

func (f summaryFields) Field(name string) string {
	s := f.s
	switch name {
	case "phase":
		return string(s.Phase)
	case "health":
		return s.Health
	case "environment":
		return s.Environment
	case "target":
		return s.Target
	case "owner":
		return s.Owner
	case "project":
		return s.Project
	case "name":
		return s.Name
	case "image":
		return s.Image
	case "revision":
		return strconv.Itoa(s.Revision)
	}
	return ""
}

func (f summaryFields) Label(key string) (string, bool) {
	for _, l := range f.s.Labels {
		if l.Key == key {
			return l.Value, true
		}
	}
	return "", false
}
