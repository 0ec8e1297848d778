package slots

import (
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/embedded/embeddedtest"
)

func bucket(t *testing.T) jetstream.KeyValue {
	t.Helper()
	b, _ := embeddedtest.NATS(t)
	kv, err := b.EnsureKeyValue(t.Context(), jetstream.KeyValueConfig{Bucket: "slots"})
	if err != nil {
		t.Fatal(err)
	}
	return kv
}

func TestAcquireRespectsTheLimitUnderContention(t *testing.T) {
	kv := bucket(t)
	s := New(kv, time.Minute)
	const limit, contenders = 3, 12
	var mu sync.Mutex
	held := map[string]string{}
	var wg sync.WaitGroup
	for i := range contenders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slot, err := s.Acquire(t.Context(), "eu", limit, "rollout-"+string(rune('a'+i)))
			if err != nil {
				t.Error(err)
				return
			}
			if slot != nil {
				mu.Lock()
				defer mu.Unlock()
				if prev, dup := held[slot.Key()]; dup {
					t.Errorf("slot %s held by %s and %s", slot.Key(), prev, slot.holder)
				}
				held[slot.Key()] = slot.holder
			}
		}()
	}
	wg.Wait()
	if len(held) != limit {
		t.Fatalf("%d slots taken, want %d: %v", len(held), limit, held)
	}
}

func TestSlotsAreReleasedRenewedAndExpire(t *testing.T) {
	kv := bucket(t)
	clock := time.Unix(1_000_000, 0)
	s := New(kv, 30*time.Second)
	s.now = func() time.Time { return clock }

	a, _ := s.Acquire(t.Context(), "eu", 1, "a")
	if a == nil {
		t.Fatal("the first rollout must get the slot")
	}
	if b, _ := s.Acquire(t.Context(), "eu", 1, "b"); b != nil {
		t.Fatal("a held slot was taken")
	}
	// The same holder (a worker adopting the rollout) gets its slot back.
	again, _ := s.Acquire(t.Context(), "eu", 1, "a")
	if again == nil || again.Key() != a.Key() {
		t.Fatal("the holder must get its own slot back")
	}
	clock = clock.Add(20 * time.Second)
	if err := again.Renew(t.Context()); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(20 * time.Second) // 40 s after taking, 20 s after renewing: still held
	if b, _ := s.Acquire(t.Context(), "eu", 1, "b"); b != nil {
		t.Fatal("a renewed slot was taken")
	}
	clock = clock.Add(15 * time.Second) // the lease ran out: a dead worker's slot frees itself
	b, _ := s.Acquire(t.Context(), "eu", 1, "b")
	if b == nil {
		t.Fatal("an expired slot must be free")
	}
	if err := again.Renew(t.Context()); err == nil {
		t.Fatal("renewing a lost slot must fail")
	}
	if err := b.Release(t.Context()); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Acquire(t.Context(), "eu", 1, "c"); c == nil {
		t.Fatal("a released slot must be free")
	}
}
