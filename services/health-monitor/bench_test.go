//go:build unix

package monitor

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"syscall"
	"testing"
	"time"

	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
)

// BenchmarkMonitorFootprint1000 measures one monitor watching 1,000
// deployments of 2 pods each, with an EndpointSlice per Service: the heap
// its informer caches and per-deployment state take (heapMB/1k-deployments:
// in use after GC, beyond what the fake API server itself holds) and the CPU
// time of one evaluation round (cpu-ms/round, user+system
// of the whole process, so informer and GC work count too) once every
// deployment's health is published: what a sample costs when nothing changed.
func BenchmarkMonitorFootprint1000(b *testing.B) { benchmarkFootprint(b, 1000) }

// BenchmarkMonitorFootprint10000 is the same at 10,000 deployments; skipped
// with -short.
func BenchmarkMonitorFootprint10000(b *testing.B) {
	if testing.Short() {
		b.Skip("10,000 deployments: skipped with -short")
	}
	benchmarkFootprint(b, 10000)
}

func benchmarkFootprint(b *testing.B, n int) {
	var objs []kruntime.Object
	for i := range n {
		ref := events.DeploymentRef{Owner: "acme", Project: fmt.Sprintf("p%d", i%50), Name: fmt.Sprintf("model-%d", i)}
		d := healthy(deployment(ref, "1", 2, nil))
		objs = append(append(objs, d, endpointSlice(d, true, true)), readyPods(d, 2)...)
	}
	client := fake.NewClientset(objs...)
	target := &kube.Target{TargetConfig: kube.TargetConfig{Name: "fake", Namespace: testNamespace}, Client: client}
	before := heapInUse()

	m, err := newMonitor(Config{}, slog.New(slog.DiscardHandler), newRecorder(), []*kube.Target{target})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	wait := m.start(ctx)
	defer func() { cancel(); wait() }()
	for range DefaultWindow.M { // fill every window; publishes Healthy once
		m.evaluate(ctx)
	}
	if len(m.tracked) != n {
		b.Fatalf("tracking %d deployments, want %d", len(m.tracked), n)
	}
	heap := heapInUse() - before

	cpu0 := cpuTime()
	b.ResetTimer()
	rounds := 0
	for b.Loop() {
		m.evaluate(ctx)
		rounds++
	}
	b.StopTimer()
	perK := float64(n) / 1000
	b.ReportMetric(float64(heap)/(1<<20)/perK, "heapMB/1k-deployments")
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/float64(rounds), "cpu-ms/round")
	b.ReportMetric(float64(b.Elapsed())/float64(time.Millisecond)/float64(rounds), "ms/round")
}

func heapInUse() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse)
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
