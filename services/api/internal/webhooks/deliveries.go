package webhooks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"slipway.dev/services/api/internal/fault"
)

// States of a delivery.
const (
	StatePending   = "pending"   // waiting for its next attempt, or in flight
	StateDelivered = "delivered" // a 2xx answered an attempt
	StateDead      = "dead"      // every attempt failed: dead-lettered until redelivered
)

// Delivery is one event for one subscription: a document of the delivery
// log. Its ID is the webhook-id of every attempt, stable across retries,
// redeliveries and restarts, so receivers can deduplicate.
type Delivery struct {
	ID            string     `bson:"_id" json:"id"`
	Subscription  string     `bson:"subscription" json:"subscription"`
	EventID       string     `bson:"eventId" json:"eventId"`
	EventType     string     `bson:"eventType" json:"eventType"`
	EventSeq      uint64     `bson:"eventSeq" json:"eventSeq"`
	State         string     `bson:"state" json:"state"`
	Attempts      int        `bson:"attempts" json:"attempts"`
	LastStatus    int        `bson:"lastStatus,omitempty" json:"lastStatus,omitempty"`
	LastError     string     `bson:"lastError,omitempty" json:"lastError,omitempty"`
	LastAttemptAt *time.Time `bson:"lastAttemptAt,omitempty" json:"lastAttemptAt,omitempty"`
	NextAttemptAt *time.Time `bson:"nextAttemptAt,omitempty" json:"nextAttemptAt,omitempty"`
	DeliveredAt   *time.Time `bson:"deliveredAt,omitempty" json:"deliveredAt,omitempty"`
	CreatedAt     time.Time  `bson:"createdAt" json:"createdAt"`
	// RetryFrom is the attempt count when the retry schedule started (0;
	// a redelivery sets it to Attempts): the schedule's position is
	// Attempts-RetryFrom, stored so another dispatcher continues it.
	RetryFrom int `bson:"retryFrom" json:"-"`
	// Body is the event's CloudEvents envelope, sent as is on every attempt.
	Body string `bson:"body" json:"-"`
}

// DeliveryQuery selects a page of a subscription's delivery log.
type DeliveryQuery struct {
	// State, when set, keeps deliveries in that state.
	State string
	// BeforeSeq, when set, keeps deliveries of events stored before it (the
	// next page after the one ending there).
	BeforeSeq uint64
	Limit     int
}

// deliveryID is the stable id of an event's delivery to a subscription.
func deliveryID(eventID, subscription string) string {
	sum := sha256.Sum256([]byte(eventID + "\x00" + subscription))
	return "msg_" + hex.EncodeToString(sum[:16])
}

const collDeliveries = "webhook_deliveries"

// deliveryStore is the delivery log in MongoDB. Each document has one
// writer at a time: the event loop creates it, then its subscription's
// sender alone updates it (FerretDB's updates are not atomic).
type deliveryStore struct {
	client *mongo.Client
	coll   *mongo.Collection
}

func openDeliveries(ctx context.Context, uri, database string) (*deliveryStore, error) {
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetTimeout(10 * time.Second))
	if err != nil {
		return nil, fmt.Errorf("connect mongodb: %w", err)
	}
	coll := client.Database(database).Collection(collDeliveries)
	// One at a time: FerretDB v1 drops the connection when CreateMany names
	// indexes that exist already; CreateOne is idempotent.
	for _, keys := range []bson.D{
		{{Key: "subscription", Value: 1}, {Key: "eventSeq", Value: -1}},
		{{Key: "state", Value: 1}},
	} {
		if _, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: keys}); err != nil {
			_ = client.Disconnect(context.Background())
			return nil, fmt.Errorf("webhook delivery indexes: %w", unavailable(err))
		}
	}
	return &deliveryStore{client: client, coll: coll}, nil
}

func (s *deliveryStore) close() error { return s.client.Disconnect(context.Background()) }

// insert records a new delivery; created is false when it was recorded
// already (an event delivered to the dispatcher again).
func (s *deliveryStore) insert(ctx context.Context, d Delivery) (created bool, err error) {
	if _, err := s.coll.InsertOne(ctx, d); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return false, nil
		}
		return false, fmt.Errorf("record delivery %s: %w", d.ID, unavailable(err))
	}
	return true, nil
}

// put writes the whole document; only its owner calls it.
func (s *deliveryStore) put(ctx context.Context, d Delivery) error {
	_, err := s.coll.ReplaceOne(ctx, bson.M{"_id": d.ID}, d, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("write delivery %s: %w", d.ID, unavailable(err))
	}
	return nil
}

// get returns one delivery of a subscription.
func (s *deliveryStore) get(ctx context.Context, subscription, id string) (Delivery, error) {
	var d Delivery
	err := s.coll.FindOne(ctx, bson.M{"_id": id}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) || err == nil && d.Subscription != subscription {
		return Delivery{}, fmt.Errorf("delivery %s of webhook %s: %w", id, subscription, fault.ErrNotFound)
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("delivery %s: %w", id, unavailable(err))
	}
	return d, nil
}

// list returns a subscription's deliveries, newest event first.
func (s *deliveryStore) list(ctx context.Context, subscription string, q DeliveryQuery) ([]Delivery, error) {
	filter := bson.M{"subscription": subscription}
	if q.State != "" {
		filter["state"] = q.State
	}
	if q.BeforeSeq > 0 {
		filter["eventSeq"] = bson.M{"$lt": q.BeforeSeq}
	}
	cur, err := s.coll.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "eventSeq", Value: -1}}).SetLimit(int64(q.Limit)))
	if err != nil {
		return nil, fmt.Errorf("list deliveries of %s: %w", subscription, unavailable(err))
	}
	out := []Delivery{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list deliveries of %s: %w", subscription, unavailable(err))
	}
	return out, nil
}

// pending returns every delivery still to be attempted, oldest event first.
func (s *deliveryStore) pending(ctx context.Context) ([]Delivery, error) {
	cur, err := s.coll.Find(ctx, bson.M{"state": StatePending}, options.Find().SetSort(bson.D{{Key: "eventSeq", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("pending deliveries: %w", unavailable(err))
	}
	var out []Delivery
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("pending deliveries: %w", unavailable(err))
	}
	return out, nil
}

// unavailable marks the driver's connectivity failures as errUnavailable.
func unavailable(err error) error {
	if mongo.IsNetworkError(err) || mongo.IsTimeout(err) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, mongo.ErrClientDisconnected) || strings.Contains(err.Error(), "server selection error") {
		return fmt.Errorf("%w: %v", errUnavailable, err)
	}
	return err
}
