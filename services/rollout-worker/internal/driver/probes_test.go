package driver

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"slipway.dev/pkg/kube"
)

// TestOneProbeServesEveryRolloutAskingAtOnce: a thousand rollouts of one
// target asking at once cause one probe and all get its answer; an answer
// serves for fresh, then the next ask probes again; another target is
// probed on its own.
func TestOneProbeServesEveryRolloutAskingAtOnce(t *testing.T) {
	var probes atomic.Int32
	release := make(chan struct{})
	down := errors.New("connection refused")
	probe := func(ctx context.Context, tg *kube.Target) error {
		probes.Add(1)
		<-release
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return down
	}
	p := newTargetProbes(probe, 2*time.Second)
	clock := time.Unix(0, 0)
	p.now = func() time.Time { return clock }
	target := &kube.Target{TargetConfig: kube.TargetConfig{Name: "local"}}

	const rollouts = 1000
	var wg sync.WaitGroup
	errs := make([]error, rollouts)
	started := make(chan struct{}, rollouts)
	for i := range rollouts {
		wg.Go(func() {
			started <- struct{}{}
			errs[i] = p.check(t.Context(), target)
		})
	}
	for range rollouts {
		<-started
	}
	// Every goroutine has started; let the probe answer once they all ask.
	for probes.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if n := probes.Load(); n != 1 {
		t.Fatalf("%d probes for %d rollouts asking at once, want 1", n, rollouts)
	}
	for i, err := range errs {
		if !errors.Is(err, down) {
			t.Fatalf("rollout %d got %v, want the probe's answer", i, err)
		}
	}

	clock = clock.Add(time.Second)
	if err := p.check(t.Context(), target); !errors.Is(err, down) || probes.Load() != 1 {
		t.Fatalf("within fresh: %v after %d probes, want the kept answer", err, probes.Load())
	}
	clock = clock.Add(time.Second)
	_ = p.check(t.Context(), target)
	if probes.Load() != 2 {
		t.Fatalf("%d probes after fresh passed, want a second", probes.Load())
	}
	_ = p.check(t.Context(), &kube.Target{TargetConfig: kube.TargetConfig{Name: "far"}})
	if probes.Load() != 3 {
		t.Fatalf("%d probes, want another target probed on its own", probes.Load())
	}
}

// TestAWaiterThatGivesUpLeavesTheProbe: a rollout whose context ends stops
// waiting with its error; the probe it started is not cancelled for the
// others.
func TestAWaiterThatGivesUpLeavesTheProbe(t *testing.T) {
	release := make(chan struct{})
	asked := make(chan struct{})
	p := newTargetProbes(func(ctx context.Context, _ *kube.Target) error {
		close(asked)
		<-release
		return ctx.Err()
	}, 2*time.Second)
	target := &kube.Target{TargetConfig: kube.TargetConfig{Name: "local"}}

	first, cancelFirst := context.WithCancel(t.Context())
	firstErr := make(chan error, 1)
	go func() { firstErr <- p.check(first, target) }()
	<-asked
	second, cancelSecond := context.WithCancel(t.Context())
	cancelSecond()
	if err := p.check(second, target); !errors.Is(err, context.Canceled) {
		t.Fatalf("a waiter whose context ended got %v, want context.Canceled", err)
	}
	cancelFirst()
	close(release)
	if err := <-firstErr; err != nil {
		t.Fatalf("the probe saw its starter's cancellation: %v", err)
	}
}
