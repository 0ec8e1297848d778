// Package slots limits how many rollouts run at once on a target, across
// every worker: a semaphore of numbered keys in a JetStream KV bucket.
//
// A slot is taken with an atomic create (or, when its lease has expired, a
// compare-and-swap on the key's revision), so two workers never hold the
// same slot. The holder is the rollout (deployment and revision), not the
// worker: a worker that adopts a rollout after another died finds the slot
// already its own. Leases expire when not renewed, so a slot held by a dead
// worker frees itself.
package slots

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/bus"
)

// Slots is the semaphore of one bucket.
type Slots struct {
	kv    jetstream.KeyValue
	lease time.Duration
	now   func() time.Time
}

// New uses kv; a slot not renewed within lease is free again.
func New(kv jetstream.KeyValue, lease time.Duration) *Slots {
	return &Slots{kv: kv, lease: lease, now: time.Now}
}

type holding struct {
	Holder  string    `json:"holder"`
	Expires time.Time `json:"expires"`
}

// Slot is a held slot.
type Slot struct {
	s        *Slots
	key      string
	holder   string
	revision uint64
}

// Acquire takes a free slot among limit slots of target for holder, or
// returns nil when all are held by others.
func (s *Slots) Acquire(ctx context.Context, target string, limit int, holder string) (*Slot, error) {
	for i := range limit {
		key := fmt.Sprintf("%s.%d", target, i)
		slot, err := s.tryKey(ctx, key, holder)
		if err != nil || slot != nil {
			return slot, err
		}
	}
	return nil, nil
}

func (s *Slots) tryKey(ctx context.Context, key, holder string) (*Slot, error) {
	val, err := json.Marshal(holding{Holder: holder, Expires: s.now().Add(s.lease)})
	if err != nil {
		return nil, err
	}
	entry, err := s.kv.Get(ctx, key)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		rev, err := s.kv.Create(ctx, key, val)
		if bus.LostRace(err) {
			return nil, nil // another worker took it first
		}
		if err != nil {
			return nil, fmt.Errorf("take slot %s: %w", key, err)
		}
		return &Slot{s: s, key: key, holder: holder, revision: rev}, nil
	case err != nil:
		return nil, fmt.Errorf("read slot %s: %w", key, err)
	}
	var h holding
	if json.Unmarshal(entry.Value(), &h) == nil && h.Holder != holder && s.now().Before(h.Expires) {
		return nil, nil // held
	}
	rev, err := s.kv.Update(ctx, key, val, entry.Revision())
	if bus.LostRace(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("take slot %s: %w", key, err)
	}
	return &Slot{s: s, key: key, holder: holder, revision: rev}, nil
}

// Renew extends the lease. An error means the slot was lost (expired and
// taken); the rollout should stop acting as its holder.
func (sl *Slot) Renew(ctx context.Context) error {
	val, err := json.Marshal(holding{Holder: sl.holder, Expires: sl.s.now().Add(sl.s.lease)})
	if err != nil {
		return err
	}
	rev, err := sl.s.kv.Update(ctx, sl.key, val, sl.revision)
	if err != nil {
		return fmt.Errorf("renew slot %s: %w", sl.key, err)
	}
	sl.revision = rev
	return nil
}

// Release frees the slot if it is still ours.
func (sl *Slot) Release(ctx context.Context) error {
	err := sl.s.kv.Delete(ctx, sl.key, jetstream.LastRevision(sl.revision))
	if err != nil && !bus.LostRace(err) {
		return fmt.Errorf("release slot %s: %w", sl.key, err)
	}
	return nil
}

// Key names the slot, for logs.
func (sl *Slot) Key() string { return sl.key }
