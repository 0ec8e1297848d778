// Package webhooks delivers Slipway's events to subscribers' HTTP endpoints.
//
// Where state lives and who writes it:
//
//   - Subscriptions (with their signing secrets, which are needed to sign and
//     are never returned after creation) are entries of the JetStream KV
//     bucket slipway_webhooks. KV writes are atomic, so the HTTP handlers
//     write them directly; the dispatcher keeps an in-memory view by watching
//     the bucket.
//   - Deliveries (one per event and matching subscription) are documents of
//     the MongoDB collection webhook_deliveries: the delivery log. FerretDB's
//     updates are not atomic, so each document has one writer at a time: the
//     event loop creates it, then hands it to its subscription's sender,
//     which alone updates it from then on (attempts, redeliveries).
//
// Contracts:
//
//   - Ack: the dispatcher reads EVENTS with the durable consumer "webhooks"
//     and acknowledges an event once its deliveries are recorded, not
//     delivered, so a slow receiver never holds the stream. An event read
//     again (lost ack, crash) finds its deliveries recorded and adds none.
//
//   - At least once, idempotent ids: a delivery's id is derived from the
//     event id and the subscription id; it is the webhook-id header of every
//     attempt, retry and redelivery, so receivers deduplicate on it.
//
//   - Signing follows the Standard Webhooks specification: webhook-id,
//     webhook-timestamp (unix seconds of the attempt) and webhook-signature
//     v1,base64(HMAC-SHA256(key, id.timestamp.body)); the body is the event's
//     CloudEvents envelope as stored.
//
//   - Isolation: each subscription has its own sender with at most
//     Concurrency attempts in flight and an HTTP client with timeouts
//     (connect 5 s, attempt 10 s), so a receiver that hangs or fails delays
//     only its own deliveries.
//
//   - Retries over hours: a schedule of waits (Retry; by default the
//     Standard Webhooks one: immediately, 5 s, 5 min, 30 min, 2 h, 5 h,
//     10 h, 10 h), then the state dead; a manual redelivery starts the
//     schedule again. The schedule's position (attempts, retryFrom) and the
//     next attempt's time are in the delivery's document, so a restart, or
//     the replica taking the webhooks lease over, resumes each pending
//     delivery where its schedule was.
//
//   - Ordering: none between deliveries (retries reorder them); the body's
//     time and id say where an event belongs.
//
//   - SSRF: URLs are http or https; link-local, metadata, unspecified and
//     multicast addresses are refused, loopback and private ones unless
//     AllowPrivateTargets. The host is checked when the subscription is made
//     and every dialed address at delivery time (DNS can change).
//
//   - One dispatcher per database: Run is the job of the api replica holding
//     the webhooks lease (like the projector); two would both resume the same
//     pending deliveries. The others serve subscriptions and the delivery
//     log, and forward a redelivery to the running dispatcher over NATS
//     (forward.go). Run may be called again after it returned (the lease
//     came back).
package webhooks

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/topology"
	"slipway.dev/services/api/internal/fault"
)

// Errors of the subscription and delivery operations: no such
// subscription or delivery is fault.ErrNotFound; errUnavailable (NATS or
// MongoDB did not answer; retry later) is fault.ErrUnavailable.
var errUnavailable = fault.Named("webhooks unavailable", fault.ErrUnavailable)

// Config configures a Dispatcher.
type Config struct {
	Bus      *bus.Conn
	MongoURI string
	MongoDB  string
	// AllowPrivateTargets lets webhook URLs reach loopback and private
	// addresses (tests and `slipway dev` use 127.0.0.1 receivers).
	AllowPrivateTargets bool
	// Retry is the retry schedule (default DefaultSchedule).
	Retry Retry
	// Clock, when set, replaces the wall clock (tests).
	Clock Clock
	// Concurrency bounds each subscription's attempts in flight (default 4).
	Concurrency int
	// Keys seal signing secrets at rest; nil stores them plain.
	Keys   *Keyring
	Logger *slog.Logger
}

// Dispatcher owns webhook subscriptions and delivers events to them.
type Dispatcher struct {
	log         *slog.Logger
	policy      targetPolicy
	retry       Retry
	concurrency int
	client      *http.Client
	clock       Clock
	subs        *subscriptions
	store       *deliveryStore
	cons        jetstream.Consumer
	nc          messenger
	// matching is the EVENTS sequence of the event being (or last) matched
	// against the subscriptions.
	matching atomic.Uint64

	mu sync.Mutex
	// ready is closed once the current Run has loaded subscriptions and
	// resumed pending deliveries; nil while no Run is going.
	ready   chan struct{}
	runCtx  context.Context
	senders map[string]*sender
	wg      sync.WaitGroup
}

// Open declares the webhooks bucket and consumer and connects to the
// delivery log. Run delivers; Close disconnects.
func Open(ctx context.Context, cfg Config) (*Dispatcher, error) {
	kv, err := cfg.Bus.EnsureKeyValue(ctx, topology.WebhooksBucket())
	if err != nil {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	stream, err := cfg.Bus.Stream(ctx, events.StreamEvents)
	if err != nil {
		return nil, fmt.Errorf("webhooks: events stream: %w", err)
	}
	cons, err := cfg.Bus.Consumer(ctx, events.StreamEvents, topology.WebhooksConsumer())
	if err != nil {
		return nil, fmt.Errorf("webhooks consumer: %w", err)
	}
	store, err := openDeliveries(ctx, cfg.MongoURI, cfg.MongoDB)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	concurrency := cfg.Concurrency
	if concurrency <= 0 {
		concurrency = 4
	}
	if err := ValidateSchedule(cfg.Retry.Schedule); err != nil {
		_ = store.close()
		return nil, err
	}
	clock := cfg.Clock
	if clock == nil {
		clock = wallClock{}
	}
	policy := targetPolicy{allowPrivate: cfg.AllowPrivateTargets}
	return &Dispatcher{
		log: log, policy: policy, retry: cfg.Retry.withDefaults(), concurrency: concurrency,
		client: newClient(policy), clock: clock, store: store, cons: cons,
		subs:    &subscriptions{kv: kv, stream: stream, now: clock.Now, keys: cfg.Keys, byID: map[string]record{}},
		senders: map[string]*sender{}, nc: cfg.Bus,
	}, nil
}

// Close disconnects from the delivery log; call it after Run returned.
func (d *Dispatcher) Close() error { return d.store.close() }

// Create validates and stores a subscription with a new secret. The answer
// is the only one that carries the secret. Invalid fields are an
// events.FieldErrors naming each.
func (d *Dispatcher) Create(ctx context.Context, req CreateRequest) (Created, error) {
	if err := req.validate(ctx, d.policy); err != nil {
		return Created{}, err
	}
	rec, err := d.subs.create(ctx, Subscription{URL: req.URL, Events: req.Events, Project: req.Project, Description: req.Description})
	if err != nil {
		return Created{}, err
	}
	return Created{Subscription: rec.Subscription, Secret: rec.Secret}, nil
}

// List returns every subscription, oldest first, without secrets and with
// redacted URLs (redact.go).
func (d *Dispatcher) List(ctx context.Context) ([]Subscription, error) {
	recs, err := d.subs.list(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Subscription, len(recs))
	for i, r := range recs {
		out[i] = r.Subscription.redacted()
	}
	return out, nil
}

// Get returns one subscription, without its secret and with its URL
// redacted (redact.go).
func (d *Dispatcher) Get(ctx context.Context, id string) (Subscription, error) {
	rec, err := d.subs.get(ctx, id)
	return rec.Subscription.redacted(), err
}

// Delete removes a subscription and its secret and stops its deliveries.
// Its delivery log is kept (and no longer served).
func (d *Dispatcher) Delete(ctx context.Context, id string) error {
	if err := d.subs.remove(ctx, id); err != nil {
		return err
	}
	d.stopSender(id)
	return nil
}

// Deliveries returns a page of a subscription's delivery log, newest event first.
func (d *Dispatcher) Deliveries(ctx context.Context, id string, q DeliveryQuery) ([]Delivery, error) {
	if _, err := d.subs.get(ctx, id); err != nil {
		return nil, err
	}
	return d.store.list(ctx, id, q)
}

// Redeliver queues a delivery again for an immediate attempt, with the same
// webhook-id, starting the retry schedule again, and returns it (pending). Asked while
// an attempt is in flight, it sends again once that attempt ends.
// On a replica whose dispatcher does not run it is forwarded to the one
// that does.
func (d *Dispatcher) Redeliver(ctx context.Context, id, deliveryID string) (Delivery, error) {
	d.mu.Lock()
	ready := d.ready
	d.mu.Unlock()
	if ready == nil {
		return d.forwardRedeliver(ctx, id, deliveryID)
	}
	select {
	case <-ready:
	case <-ctx.Done():
		return Delivery{}, fmt.Errorf("%w: dispatcher starting: %v", errUnavailable, ctx.Err())
	}
	return d.redeliverLocal(ctx, id, deliveryID)
}

// redeliverLocal hands the delivery to this replica's sender of it.
func (d *Dispatcher) redeliverLocal(ctx context.Context, id, deliveryID string) (Delivery, error) {
	if _, err := d.subs.get(ctx, id); err != nil {
		return Delivery{}, err
	}
	dl, err := d.store.get(ctx, id, deliveryID)
	if err != nil {
		return Delivery{}, err
	}
	s, err := d.senderFor(id)
	if err != nil {
		return Delivery{}, err
	}
	return s.redeliver(ctx, dl)
}
