package readmodel

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// OperationQuery is one page of the audit log: operations newest first (by
// acceptance time, then id), every field set ANDed.
type OperationQuery struct {
	Actor, Kind, Status string
	// Owner and Project (set together) name one project.
	Owner, Project string
	Deployment     string
	// From (inclusive) and To (exclusive) bound the acceptance time; nil:
	// unbounded.
	From, To *time.Time
	// Scoped limits the page to the projects in Scope ("owner/project" or
	// "owner/*"); an empty Scope then matches nothing.
	Scoped bool
	Scope  []string
	// AfterID (when set) and AfterAccepted are the last entry of the
	// previous page: the page starts after it (keyset paging).
	AfterID       string
	AfterAccepted time.Time
	// Limit is the most entries read (0: all).
	Limit int
}

// filter is the query as a store filter.
func (q OperationQuery) filter() bson.M {
	and := bson.A{}
	for _, f := range []struct{ field, value string }{{"actor", q.Actor}, {"kind", q.Kind}, {"status", q.Status}, {"deployment", q.Deployment}} {
		if f.value != "" {
			and = append(and, bson.M{f.field: f.value})
		}
	}
	if q.Owner != "" || q.Project != "" {
		and = append(and, bson.M{"owner": q.Owner, "project": q.Project})
	}
	if q.From != nil {
		and = append(and, bson.M{"acceptedAt": bson.M{"$gte": *q.From}})
	}
	if q.To != nil {
		and = append(and, bson.M{"acceptedAt": bson.M{"$lt": *q.To}})
	}
	if q.Scoped {
		and = append(and, ScopeFilter(q.Scope, false))
	}
	if q.AfterID != "" {
		and = append(and, bson.M{"$or": bson.A{
			bson.M{"acceptedAt": bson.M{"$lt": q.AfterAccepted}},
			bson.M{"acceptedAt": q.AfterAccepted, "_id": bson.M{"$lt": q.AfterID}},
		}})
	}
	if len(and) == 0 {
		return bson.M{}
	}
	return bson.M{"$and": and}
}

// operationOrder is the audit log's order: newest first.
var operationOrder = bson.D{{Key: "acceptedAt", Value: -1}, {Key: "_id", Value: -1}}

// Operations returns a page of operations, newest first.
func (s *Store) Operations(ctx context.Context, q OperationQuery) ([]Operation, error) {
	cur, err := s.db.Collection(collOperations).Find(ctx, q.filter(),
		options.Find().SetSort(operationOrder).SetLimit(int64(q.Limit)))
	if err != nil {
		return nil, fmt.Errorf("list operations: %w", classify(err))
	}
	out := []Operation{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list operations: %w", classify(err))
	}
	return out, nil
}
