package readmodel

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// indexes serve the queries the API makes: the fleet list (project,
// labels, target, keyset pages by name or creation time), the audit log
// (newest first, by deployment, actor or project) and revision history.
// FerretDB's SQLite backend ignores them (it pushes down only _id); MongoDB
// uses them, which is what keeps large fleets fast in production.
var indexes = map[string][]bson.D{
	collDeployments: {
		{{Key: "owner", Value: 1}, {Key: "project", Value: 1}, {Key: "name", Value: 1}},
		{{Key: "labels.k", Value: 1}, {Key: "labels.v", Value: 1}},
		{{Key: "target", Value: 1}, {Key: "name", Value: 1}},
		{{Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}},
	},
	collOperations: {
		{{Key: "acceptedAt", Value: -1}, {Key: "_id", Value: -1}},
		{{Key: "deployment", Value: 1}, {Key: "acceptedAt", Value: -1}},
		{{Key: "actor", Value: 1}, {Key: "acceptedAt", Value: -1}},
		{{Key: "owner", Value: 1}, {Key: "project", Value: 1}, {Key: "acceptedAt", Value: -1}},
	},
	collRevisions: {
		{{Key: "deployment", Value: 1}, {Key: "number", Value: -1}},
	},
}

// EnsureIndexes creates the read models' indexes; it is idempotent. One at
// a time: FerretDB v1 drops the connection when CreateMany names indexes
// that exist already, while CreateOne of an existing index is a no-op.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	for coll, keys := range indexes {
		for _, k := range keys {
			if _, err := s.db.Collection(coll).Indexes().CreateOne(ctx, mongo.IndexModel{Keys: k}); err != nil {
				return fmt.Errorf("index %v on %s: %w", k, coll, classify(err))
			}
		}
	}
	return nil
}
