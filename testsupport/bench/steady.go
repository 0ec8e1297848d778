package bench

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// pollGap is the pause between two reads of one document while waiting for
// events to become visible: the resolution of the visibility figures.
const pollGap = 5 * time.Millisecond

// pipeline is a write path measured for visibility: put writes one event
// about document i and returns its version; get reads the version a reader
// sees of document i.
type pipeline struct {
	put func(ctx context.Context, i int) (uint64, error)
	get func(ctx context.Context, i int) (uint64, error)
}

// sent is an event waiting to be seen.
type sent struct {
	version uint64
	at      time.Time
}

// visibility tracks events per document until a read shows them.
type visibility struct {
	mu      sync.Mutex
	pending [][]sent
	seen    []uint64 // highest version read per document
	lat     latencies
}

func (v *visibility) sent(i int, version uint64, at time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if version <= v.seen[i] { // read before the writer had its ack
		v.lat = append(v.lat, time.Since(at))
		return
	}
	v.pending[i] = append(v.pending[i], sent{version, at})
}

func (v *visibility) read(i int, version uint64, at time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.seen[i] = max(v.seen[i], version)
	k := 0
	for ; k < len(v.pending[i]) && v.pending[i][k].version <= version; k++ {
		v.lat = append(v.lat, at.Sub(v.pending[i][k].at))
	}
	v.pending[i] = v.pending[i][k:]
}

func (v *visibility) waiting() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	n := 0
	for _, p := range v.pending {
		n += len(p)
	}
	return n
}

// steady writes events round-robin over docs documents at rate per second
// for d, one reader per document polling every pollGap, and returns each
// event's write-to-visible latency and the rate achieved.
func steady(ctx context.Context, p pipeline, docs int, rate float64, d time.Duration) (latencies, float64, error) {
	v := &visibility{pending: make([][]sent, docs), seen: make([]uint64, docs)}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, docs+1)
	var readers sync.WaitGroup
	for i := range docs {
		readers.Go(func() {
			for ctx.Err() == nil {
				version, err := p.get(ctx, i)
				if err != nil {
					if ctx.Err() == nil {
						errs <- err
					}
					return
				}
				v.read(i, version, time.Now())
				time.Sleep(pollGap)
			}
		})
	}
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer tick.Stop()
	began, n := time.Now(), 0
	for time.Since(began) < d {
		select {
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		case err := <-errs:
			return nil, 0, err
		case <-tick.C:
		}
		i := n % docs
		at := time.Now()
		version, err := p.put(ctx, i)
		if err != nil {
			return nil, 0, err
		}
		v.sent(i, version, at)
		n++
	}
	achieved := float64(n) / time.Since(began).Seconds()
	deadline := time.Now().Add(60 * time.Second)
	for v.waiting() > 0 {
		if time.Now().After(deadline) {
			return nil, 0, fmt.Errorf("%d of %d events not visible after 60 s", v.waiting(), n)
		}
		select {
		case err := <-errs:
			return nil, 0, err
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	readers.Wait()
	return v.lat, achieved, nil
}
