package leader

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/embedded/embeddedtest"
)

const ttl = 400 * time.Millisecond

func bucket(t *testing.T) jetstream.KeyValue {
	t.Helper()
	b, _ := embeddedtest.NATS(t)
	kv, err := b.EnsureKeyValue(t.Context(), jetstream.KeyValueConfig{Bucket: "leases"})
	if err != nil {
		t.Fatal(err)
	}
	return kv
}

func lease(t *testing.T, kv jetstream.KeyValue, holder string) *Lease {
	t.Helper()
	l, err := New(Config{KV: kv, Key: "projector", Holder: holder, TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// eventually polls cond every 10ms, failing after 10s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// jobs records which holder's job runs and fails t if two ever overlap.
type jobs struct {
	t       *testing.T
	mu      sync.Mutex
	running string
	starts  map[string]int
}

func (j *jobs) job(holder string) func(context.Context) error {
	return func(ctx context.Context) error {
		j.mu.Lock()
		if j.running != "" {
			j.t.Errorf("%s started while %s runs", holder, j.running)
		}
		j.running = holder
		j.starts[holder]++
		j.mu.Unlock()
		<-ctx.Done()
		j.mu.Lock()
		j.running = ""
		j.mu.Unlock()
		return ctx.Err()
	}
}

func (j *jobs) current() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.running
}

// TestOneHolderAtATimeAndFailover: three replicas contend; one job runs at
// a time; when the leader stops, another takes over (the released lease is
// taken without waiting for it to expire), and so on until one is left.
func TestOneHolderAtATimeAndFailover(t *testing.T) {
	kv := bucket(t)
	j := &jobs{t: t, starts: map[string]int{}}
	stops := map[string]context.CancelFunc{}
	var wg sync.WaitGroup
	for _, h := range []string{"a", "b", "c"} {
		ctx, cancel := context.WithCancel(t.Context())
		stops[h] = cancel
		l := lease(t, kv, h)
		wg.Go(func() {
			if err := l.Run(ctx, j.job(h)); err != nil {
				t.Errorf("%s: %v", h, err)
			}
		})
	}
	defer func() {
		for _, stop := range stops {
			stop()
		}
		wg.Wait()
	}()
	seen := map[string]bool{}
	for range 2 {
		eventually(t, "a leader", func() bool { return j.current() != "" })
		first := j.current()
		time.Sleep(2 * ttl) // several renewals: the leader keeps its lease
		if got := j.current(); got != first {
			t.Fatalf("leadership moved from %s to %s without a failure", first, got)
		}
		seen[first] = true
		stops[first]()
		eventually(t, "another leader", func() bool { c := j.current(); return c != "" && c != first })
	}
	if len(seen) != 2 {
		t.Fatalf("leaders: %v", seen)
	}
}

// TestALostLeaseStopsTheJob: when another holder has the lease (it expired
// during a pause, say), the job's context ends at the next renewal, and the
// replica does not lead again while the other's lease lasts.
func TestALostLeaseStopsTheJob(t *testing.T) {
	kv := bucket(t)
	j := &jobs{t: t, starts: map[string]int{}}
	l := lease(t, kv, "a")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() { _ = l.Run(ctx, j.job("a")) }()
	eventually(t, "a leading", func() bool { return j.current() == "a" })
	takeOver(t, kv, "z", time.Hour)
	eventually(t, "a's job stopped", func() bool { return j.current() == "" })
	time.Sleep(2 * ttl)
	if j.current() != "" || j.starts["a"] != 1 {
		t.Fatalf("a led again while z holds the lease (running %q, starts %d)", j.current(), j.starts["a"])
	}
}

// TestAcquire: a lease held by another replica is waited for until it
// expires; one this holder held before (it restarted) is taken back at once.
func TestAcquire(t *testing.T) {
	tests := []struct {
		name    string
		holder  string
		expires time.Duration
		want    bool
	}{
		{"held by another", "z", time.Hour, false},
		{"expired", "z", -time.Second, true},
		{"ours from before a restart", "a", time.Hour, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kv := bucket(t)
			takeOver(t, kv, tt.holder, tt.expires)
			_, ok, err := lease(t, kv, "a").acquire(t.Context())
			if err != nil || ok != tt.want {
				t.Fatalf("acquire: %v %v, want %v", ok, err, tt.want)
			}
		})
	}
}

// TestAJobErrorEndsRunAndReleases: a failing job ends Run with its error
// and frees the lease for another replica.
func TestAJobErrorEndsRunAndReleases(t *testing.T) {
	kv := bucket(t)
	boom := errors.New("boom")
	err := lease(t, kv, "a").Run(t.Context(), func(context.Context) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("Run: %v", err)
	}
	if _, err := kv.Get(t.Context(), "projector"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("lease after a failed job: %v", err)
	}
}

// takeOver writes the lease as holder's, expiring after d.
func takeOver(t *testing.T, kv jetstream.KeyValue, holder string, d time.Duration) {
	t.Helper()
	val, _ := json.Marshal(holding{Holder: holder, Expires: time.Now().Add(d)})
	if _, err := kv.Put(t.Context(), "projector", val); err != nil {
		t.Fatal(err)
	}
}
