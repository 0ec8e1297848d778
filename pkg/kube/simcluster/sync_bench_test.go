package simcluster

import (
	"fmt"
	"runtime"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BenchmarkSync measures one tick of the simulated controllers over a
// settled fleet of n Deployments (one pod each), and reports the live heap
// of the cluster holding them.
//
//	go test -run '^$' -bench BenchmarkSync -benchtime 20x slipway.dev/pkg/kube/simcluster
func BenchmarkSync(b *testing.B) {
	for _, n := range []int{1000, 10_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			ctx := b.Context()
			c := New(Options{ReadyAfter: -1})
			deps := c.Client().AppsV1().Deployments("ns")
			for i := range n {
				d := newDeployment(1, rolling("25%", "25%"))
				d.ObjectMeta = metav1.ObjectMeta{Name: fmt.Sprintf("d-%05d", i), Namespace: "ns"}
				if _, err := deps.Create(ctx, d, metav1.CreateOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			for range 3 { // create the pods, ready them, write status
				if err := c.Sync(ctx); err != nil {
					b.Fatal(err)
				}
			}
			if d, err := deps.Get(ctx, "d-00000", metav1.GetOptions{}); err != nil {
				b.Fatal(err)
			} else if _, done, _ := RolloutStatus(d); !done {
				b.Fatalf("fleet not settled: %+v", d.Status)
			}
			for b.Loop() {
				if err := c.Sync(ctx); err != nil {
					b.Fatal(err)
				}
			}
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			b.ReportMetric(float64(m.HeapAlloc)/(1<<20), "heap-MiB")
			runtime.KeepAlive(c)
		})
	}
}
