package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/services/api/internal/fault"
)

// subscriptions are the webhooks bucket, the source of truth (KV writes are
// atomic, so the HTTP handlers write it directly), and the dispatcher's
// in-memory view of it, kept by a watch and used to match events.
type subscriptions struct {
	kv     jetstream.KeyValue
	stream jetstream.Stream // EVENTS: where a new subscription starts
	now    func() time.Time
	keys   *Keyring // seals secrets at rest; nil stores them plain

	mu   sync.RWMutex
	byID map[string]record
}

// create stores a new subscription. It holds the view's lock from reading
// the EVENTS position to adding the subscription, and match takes the same
// lock: so every event stored after AfterSeq is matched against it.
func (s *subscriptions) create(ctx context.Context, sub Subscription) (record, error) {
	secret, err := newSecret()
	if err != nil {
		return record{}, err
	}
	id := make([]byte, 12)
	if _, err := rand.Read(id); err != nil {
		return record{}, fmt.Errorf("generate webhook id: %w", err)
	}
	sub.ID, sub.CreatedAt = "wh_"+hex.EncodeToString(id), s.now().UTC().Truncate(time.Millisecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	info, err := s.stream.Info(ctx)
	if err != nil {
		return record{}, fmt.Errorf("%w: events stream: %v", errUnavailable, err)
	}
	rec := record{Subscription: sub, Secret: secret, AfterSeq: info.State.LastSeq}
	data, err := s.encode(rec)
	if err != nil {
		return record{}, err
	}
	if _, err := s.kv.Create(ctx, sub.ID, data); err != nil {
		return record{}, fmt.Errorf("%w: store webhook %s: %v", errUnavailable, sub.ID, err)
	}
	s.byID[sub.ID] = rec
	return rec, nil
}

// get reads a subscription from the bucket.
func (s *subscriptions) get(ctx context.Context, id string) (record, error) {
	if !idPattern.MatchString(id) {
		return record{}, fmt.Errorf("webhook %s: %w", id, fault.ErrNotFound)
	}
	e, err := s.kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return record{}, fmt.Errorf("webhook %s: %w", id, fault.ErrNotFound)
	}
	if err != nil {
		return record{}, fmt.Errorf("%w: webhook %s: %v", errUnavailable, id, err)
	}
	return s.decode(id, e.Value())
}

// encode is a record as stored: its secret sealed.
func (s *subscriptions) encode(rec record) ([]byte, error) {
	sealed, err := s.keys.seal(rec.Secret, rec.ID)
	if err != nil {
		return nil, err
	}
	rec.Secret = sealed
	data, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("encode webhook %s: %w", rec.ID, err)
	}
	return data, nil
}

// decode reads a stored record, opening its secret; a secret that does not
// open leaves the record with openErr set (and no secret).
func (s *subscriptions) decode(id string, data []byte) (record, error) {
	var rec record
	if err := json.Unmarshal(data, &rec); err != nil {
		return record{}, fmt.Errorf("decode webhook %s: %w", id, err)
	}
	plain, err := s.keys.open(rec.Secret, id)
	rec.Secret, rec.openErr = plain, err
	return rec, nil
}

// list reads every subscription from the bucket, oldest first.
func (s *subscriptions) list(ctx context.Context) ([]record, error) {
	w, err := s.kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("%w: list webhooks: %v", errUnavailable, err)
	}
	defer func() { _ = w.Stop() }()
	out := []record{}
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: list webhooks: %v", errUnavailable, ctx.Err())
		case e := <-w.Updates():
			if e == nil {
				sort.Slice(out, func(i, j int) bool {
					return out[i].CreatedAt.Before(out[j].CreatedAt) || out[i].CreatedAt.Equal(out[j].CreatedAt) && out[i].ID < out[j].ID
				})
				return out, nil
			}
			var rec record
			if json.Unmarshal(e.Value(), &rec) == nil {
				out = append(out, rec)
			}
		}
	}
}

// remove purges a subscription, secret included, from the bucket and the view.
func (s *subscriptions) remove(ctx context.Context, id string) error {
	if _, err := s.get(ctx, id); err != nil {
		return err
	}
	if err := s.kv.Purge(ctx, id); err != nil {
		return fmt.Errorf("%w: delete webhook %s: %v", errUnavailable, id, err)
	}
	s.mu.Lock()
	delete(s.byID, id)
	s.mu.Unlock()
	return nil
}

// watch keeps the view current until ctx ends; it returns once the view
// holds every stored subscription. gone is called for each deleted one.
func (s *subscriptions) watch(ctx context.Context, gone func(id string), added func(record)) error {
	s.mu.Lock()
	clear(s.byID) // a watch from an earlier Run may have missed deletions
	s.mu.Unlock()
	w, err := s.kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("watch webhooks: %w", err)
	}
	loaded := make(chan struct{})
	go func() {
		defer func() { _ = w.Stop() }()
		initial := true
		for e := range w.Updates() {
			if e == nil {
				if initial {
					initial = false
					close(loaded)
				}
				continue
			}
			switch rec, change := s.apply(e); change {
			case removed:
				gone(e.Key())
			case addedNew:
				if !initial {
					added(rec)
				}
			}
		}
	}()
	select {
	case <-loaded:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Changes apply makes to the view.
const (
	unchanged = iota
	removed
	addedNew
	updated
)

// apply takes one bucket change into the view and says what it was.
func (s *subscriptions) apply(e jetstream.KeyValueEntry) (record, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.Operation() != jetstream.KeyValuePut {
		delete(s.byID, e.Key())
		return record{}, removed
	}
	rec, err := s.decode(e.Key(), e.Value())
	if err != nil {
		return record{}, unchanged
	}
	_, had := s.byID[e.Key()]
	s.byID[e.Key()] = rec
	if had {
		return rec, updated
	}
	return rec, addedNew
}

// lookup returns a subscription of the view.
func (s *subscriptions) lookup(id string) (record, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	rec, ok := s.byID[id]
	return rec, ok
}

// match returns the subscriptions an event stored at seq is delivered to.
func (s *subscriptions) match(eventType, subject string, seq uint64) []record {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []record
	for _, rec := range s.byID {
		if seq > rec.AfterSeq && rec.matches(eventType, subject) {
			out = append(out, rec)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
