package readmodel

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"slipway.dev/services/api/internal/fault"
)

// A document that is not there is fault.ErrNotFound.

// errUnavailable means the database did not answer (network, timeout, no
// server): the caller's request was fine; retrying later may succeed.
var errUnavailable = fault.Named("read models unavailable", fault.ErrUnavailable)

// classify marks connectivity failures of the driver as unavailable.
func classify(err error) error {
	if err != nil && (mongo.IsNetworkError(err) || mongo.IsTimeout(err) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, mongo.ErrClientDisconnected) || strings.Contains(err.Error(), "server selection error")) {
		return fmt.Errorf("%w: %v", errUnavailable, err)
	}
	return err
}

// Collection names.
const (
	collDeployments = "deployments"
	collOperations  = "operations"
	collCheckpoints = "checkpoints"
	collRevisions   = "revisions"
	collPromotions  = "promotions"
)

// Store is the read models in MongoDB. Writes come only from the projector,
// one event at a time, so no document has two writers (the test store's
// updates are not atomic; see docs/ARCHITECTURE.md).
type Store struct {
	client *mongo.Client
	db     *mongo.Database
}

// Pool and timeouts, sized for 50 concurrent API clients on the embedded
// FerretDB (SQLite: a query scans its collection, so a burst queues there,
// not in the driver): enough connections that no request waits for one,
// some kept open and more than the default two opened at once so a burst
// does not wait for connections two at a time, and an unreachable server
// noticed in seconds. Each operation is bounded by opTimeout; requests that
// answer a stored command bound their reads tighter (httpapi's readLimit)
// and fall back to the intake. A connection string's own settings win.
const (
	maxPool       = 64
	minPool       = 4
	maxConnecting = 8
	dialTimeout   = 5 * time.Second
	opTimeout     = 10 * time.Second
)

// Open connects to MongoDB and selects the database.
func Open(ctx context.Context, uri, database string) (*Store, error) {
	opts := options.Client().SetMaxPoolSize(maxPool).SetMinPoolSize(minPool).SetMaxConnecting(maxConnecting).
		SetConnectTimeout(dialTimeout).SetServerSelectionTimeout(dialTimeout).ApplyURI(uri)
	client, err := mongo.Connect(opts.SetTimeout(opTimeout))
	if err != nil {
		return nil, fmt.Errorf("connect mongodb: %w", err)
	}
	if err := client.Ping(ctx, nil); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("ping mongodb: %w", err)
	}
	return &Store{client: client, db: client.Database(database)}, nil
}

// Close disconnects.
func (s *Store) Close(ctx context.Context) error { return s.client.Disconnect(ctx) }

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.client.Ping(ctx, nil) }

// Deployment returns the deployment with this id (owner/project/name).
func (s *Store) Deployment(ctx context.Context, id string) (Deployment, error) {
	var d Deployment
	if err := findOne(ctx, s.db.Collection(collDeployments), id, &d); err != nil {
		return Deployment{}, fmt.Errorf("deployment %s: %w", id, err)
	}
	d.Present()
	return d, nil
}

// Operation returns the operation with this id.
func (s *Store) Operation(ctx context.Context, id string) (Operation, error) {
	var o Operation
	if err := findOne(ctx, s.db.Collection(collOperations), id, &o); err != nil {
		return Operation{}, fmt.Errorf("operation %s: %w", id, err)
	}
	return o, nil
}

// PutDeployment writes the whole document.
func (s *Store) PutDeployment(ctx context.Context, d Deployment) error {
	return replaceOne(ctx, s.db.Collection(collDeployments), d.ID, d)
}

// PutOperation writes the whole document.
func (s *Store) PutOperation(ctx context.Context, o Operation) error {
	return replaceOne(ctx, s.db.Collection(collOperations), o.ID, o)
}

// Revision returns revision n of a deployment.
func (s *Store) Revision(ctx context.Context, deployment string, n int) (Revision, error) {
	var r Revision
	if err := findOne(ctx, s.db.Collection(collRevisions), RevisionID(deployment, n), &r); err != nil {
		return Revision{}, fmt.Errorf("revision %d of %s: %w", n, deployment, err)
	}
	r.Present()
	return r, nil
}

// PutRevision writes the whole document.
func (s *Store) PutRevision(ctx context.Context, r Revision) error {
	return replaceOne(ctx, s.db.Collection(collRevisions), r.ID, r)
}

// Revisions lists a deployment's revisions newest first, those below before
// (0: from the newest), at most limit.
func (s *Store) Revisions(ctx context.Context, deployment string, before, limit int) ([]Revision, error) {
	filter := bson.M{"deployment": deployment}
	if before > 0 {
		filter["number"] = bson.M{"$lt": before}
	}
	cur, err := s.db.Collection(collRevisions).Find(ctx, filter,
		options.Find().SetSort(bson.D{{Key: "number", Value: -1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("list revisions of %s: %w", deployment, classify(err))
	}
	out := []Revision{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list revisions of %s: %w", deployment, classify(err))
	}
	for i := range out {
		out[i].Present()
	}
	return out, nil
}

// Deployments returns a page of the fleet as whole documents (the fleet
// list with view=full; DeploymentSummaries for summaries).
func (s *Store) Deployments(ctx context.Context, q FleetQuery) ([]Deployment, error) {
	cur, err := s.db.Collection(collDeployments).Find(ctx, q.Filter(), options.Find().SetSort(q.Sort()).SetLimit(int64(q.Limit)))
	if err != nil {
		return nil, fmt.Errorf("list deployments: %w", classify(err))
	}
	out := []Deployment{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list deployments: %w", classify(err))
	}
	for i := range out {
		out[i].Present()
	}
	return out, nil
}

// Promotion returns the promotion with this id.
func (s *Store) Promotion(ctx context.Context, id string) (Promotion, error) {
	var p Promotion
	if err := findOne(ctx, s.db.Collection(collPromotions), id, &p); err != nil {
		return Promotion{}, fmt.Errorf("promotion %s: %w", id, err)
	}
	p.Present()
	return p, nil
}

// PutPromotion writes the whole document.
func (s *Store) PutPromotion(ctx context.Context, p Promotion) error {
	return replaceOne(ctx, s.db.Collection(collPromotions), p.ID, p)
}

// Format is the shape of the documents this build's projection writes. Bump
// it when documents gain something derived from the history that documents
// written before lack (2: a deployment's version and warm revisions), so
// that a projector finding an older format rebuilds them by replay instead
// of serving them half filled in.
const Format = 2

type checkpoint struct {
	ID     string `bson:"_id"`
	Seq    uint64 `bson:"seq"`
	Format int    `bson:"format"`
}

// Checkpoint returns the last stream sequence a projection applied (0: none)
// and the Format of the documents it wrote (0: from before formats).
func (s *Store) Checkpoint(ctx context.Context, name string) (seq uint64, format int, err error) {
	var c checkpoint
	err = findOne(ctx, s.db.Collection(collCheckpoints), name, &c)
	if errors.Is(err, fault.ErrNotFound) {
		return 0, Format, nil
	}
	return c.Seq, c.Format, err
}

// SetCheckpoint records the last stream sequence a projection applied, in
// this build's Format.
func (s *Store) SetCheckpoint(ctx context.Context, name string, seq uint64) error {
	return replaceOne(ctx, s.db.Collection(collCheckpoints), name, checkpoint{ID: name, Seq: seq, Format: Format})
}

// Clear deletes every read-model document, keeping the collections and
// their indexes, for a rebuild by replay.
func (s *Store) Clear(ctx context.Context) error {
	for _, c := range []string{collDeployments, collOperations, collCheckpoints, collRevisions, collPromotions} {
		if _, err := s.db.Collection(c).DeleteMany(ctx, bson.M{}); err != nil {
			return fmt.Errorf("clear %s: %w", c, err)
		}
	}
	return nil
}

// Drop removes every read model, for a rebuild by replay.
func (s *Store) Drop(ctx context.Context) error {
	for _, c := range []string{collDeployments, collOperations, collCheckpoints, collRevisions, collPromotions} {
		if err := s.db.Collection(c).Drop(ctx); err != nil {
			return fmt.Errorf("drop %s: %w", c, err)
		}
	}
	return nil
}

func findOne(ctx context.Context, c *mongo.Collection, id string, out any) error {
	err := c.FindOne(ctx, bson.M{"_id": id}).Decode(out)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return fault.ErrNotFound
	}
	return classify(err)
}

// InsertNewDeployments inserts deployment documents believed absent, in one
// statement, and returns the indexes of those found present (a duplicate
// _id), which the caller writes with PutDeployment instead.
func (s *Store) InsertNewDeployments(ctx context.Context, docs []Deployment) ([]int, error) {
	return insertNew(ctx, s.db.Collection(collDeployments), docs)
}

// InsertNewOperations is InsertNewDeployments for operations.
func (s *Store) InsertNewOperations(ctx context.Context, docs []Operation) ([]int, error) {
	return insertNew(ctx, s.db.Collection(collOperations), docs)
}

// InsertNewRevisions is InsertNewDeployments for revisions.
func (s *Store) InsertNewRevisions(ctx context.Context, docs []Revision) ([]int, error) {
	return insertNew(ctx, s.db.Collection(collRevisions), docs)
}

// InsertNewPromotions is InsertNewDeployments for promotions.
func (s *Store) InsertNewPromotions(ctx context.Context, docs []Promotion) ([]int, error) {
	return insertNew(ctx, s.db.Collection(collPromotions), docs)
}

// insertNew inserts docs unordered; the embedded store writes them in one
// transaction, where an upsert each costs a query, a read of the old
// document and a transaction. Duplicates are not errors: their indexes are
// returned.
func insertNew[T any](ctx context.Context, c *mongo.Collection, docs []T) ([]int, error) {
	if len(docs) == 0 {
		return nil, nil
	}
	_, err := c.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	var bulk mongo.BulkWriteException
	if err == nil || !errors.As(err, &bulk) || bulk.WriteConcernError != nil {
		if err != nil {
			return nil, fmt.Errorf("insert into %s: %w", c.Name(), classify(err))
		}
		return nil, nil
	}
	present := make([]int, 0, len(bulk.WriteErrors))
	for _, we := range bulk.WriteErrors {
		if we.Code != duplicateKey {
			return nil, fmt.Errorf("insert into %s: %w", c.Name(), classify(err))
		}
		present = append(present, we.Index)
	}
	return present, nil
}

// duplicateKey is the server's code for an insert of an _id present.
const duplicateKey = 11000

// replaceOne upserts doc whole. The projector writes one statement per
// document, not bulks: FerretDB v1.24 keeps each statement's query open
// until the whole command ends, and bulks of 100 deployments under a fleet
// change's load ran past the 10 s operation timeout (a bulk of 10 was no
// faster than ten statements here).
func replaceOne(ctx context.Context, c *mongo.Collection, id string, doc any) error {
	if _, err := c.ReplaceOne(ctx, bson.M{"_id": id}, doc, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("write %s %s: %w", c.Name(), id, classify(err))
	}
	return nil
}
