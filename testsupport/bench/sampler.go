package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
)

// proc is a process whose memory and CPU a benchmark reports.
type proc struct {
	name string
	pid  int
}

// sample is one reading of the consumer counts and the processes.
type sample struct {
	at        time.Time
	consumers int // on EVENTS and COMMANDS together; -1: unread
	events    int
	commands  int
	usage     map[string]procUsage
}

// sampler reads, every interval, the number of JetStream consumers of
// EVENTS and COMMANDS (stream info: it creates no consumer itself) and the
// RSS and CPU time of procs, until its context ends.
type sampler struct {
	conn  *bus.Conn
	procs []proc

	mu      sync.Mutex
	samples []sample
	errs    int // readings that failed
	lastErr error
}

// startSampler connects to NATS and samples every interval until ctx ends.
func startSampler(ctx context.Context, natsURL string, procs []proc, every time.Duration) (*sampler, error) {
	conn, err := bus.Connect(ctx, natsURL, "bench-sampler")
	if err != nil {
		return nil, err
	}
	s := &sampler{conn: conn, procs: procs}
	s.read(ctx)
	go func() {
		defer conn.Close()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.read(ctx)
			}
		}
	}()
	return s, nil
}

// read takes one sample now and returns it.
func (s *sampler) read(ctx context.Context) sample {
	sm := sample{at: time.Now(), consumers: -1, usage: map[string]procUsage{}}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ev, errE := s.consumers(rctx, events.StreamEvents)
	cmd, errC := s.consumers(rctx, events.StreamCommands)
	if errE == nil && errC == nil {
		sm.events, sm.commands, sm.consumers = ev, cmd, ev+cmd
	}
	var errP error
	for _, p := range s.procs {
		u, err := readProc(p.pid)
		if err != nil {
			errP = fmt.Errorf("%s: %w", p.name, err)
			continue
		}
		sm.usage[p.name] = u
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.samples = append(s.samples, sm)
	for _, err := range []error{errE, errC, errP} {
		if err != nil && ctx.Err() == nil {
			s.errs++
			s.lastErr = err
		}
	}
	return sm
}

func (s *sampler) consumers(ctx context.Context, stream string) (int, error) {
	st, err := s.conn.Stream(ctx, stream)
	if err != nil {
		return 0, fmt.Errorf("stream %s: %w", stream, err)
	}
	return st.CachedInfo().State.Consumers, nil
}

// between returns the samples taken from t0 to t1 (a zero t1: until now).
func (s *sampler) between(t0, t1 time.Time) []sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []sample
	for _, sm := range s.samples {
		if !sm.at.Before(t0) && (t1.IsZero() || !sm.at.After(t1)) {
			out = append(out, sm)
		}
	}
	return out
}

// maxConsumers is the largest consumer count among samples, and the
// EVENTS and COMMANDS counts of that sample.
func maxConsumers(samples []sample) (total, ev, cmd int) {
	total = -1
	for _, sm := range samples {
		if sm.consumers > total {
			total, ev, cmd = sm.consumers, sm.events, sm.commands
		}
	}
	return total, ev, cmd
}

// maxRSS is the largest RSS of process name among samples, in MB.
func maxRSS(samples []sample, name string) float64 {
	var m float64
	for _, sm := range samples {
		m = max(m, sm.usage[name].RSSMB)
	}
	return m
}

// cpuShare is the CPU process name used from the first to the last of
// samples, in cores (1 = one core busy all the time).
func cpuShare(samples []sample, name string) float64 {
	if len(samples) < 2 {
		return 0
	}
	a, b := samples[0], samples[len(samples)-1]
	wall := b.at.Sub(a.at)
	if wall <= 0 {
		return 0
	}
	return float64(b.usage[name].CPU-a.usage[name].CPU) / float64(wall)
}

// failures says how many readings failed, for a note ("" when none).
func (s *sampler) failures() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.errs == 0 {
		return ""
	}
	return fmt.Sprintf("; %d sampler readings failed (last: %v)", s.errs, s.lastErr)
}
