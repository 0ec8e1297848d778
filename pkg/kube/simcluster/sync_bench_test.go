package simcluster

import (
	"fmt"
	"runtime"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BenchmarkSync measures one tick of the simulated controllers over a
// settled fleet of n Deployments (one pod each), and reports the live heap
// of the cluster holding them (on "settled"): "settled" is a tick with nothing written,
// "one-changed" a tick after one Deployment's image changed (the tick that
// starts its rollout).
//
//	go test -run '^$' -bench BenchmarkSync -benchtime 20x slipway.dev/pkg/kube/simcluster
func BenchmarkSync(b *testing.B) {
	for _, n := range []int{1000, 10_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			ctx := b.Context()
			c := settledFleet(b, n)
			b.Run("settled", func(b *testing.B) {
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
			b.Run("one-changed", func(b *testing.B) {
				deps := c.Client().AppsV1().Deployments("ns")
				i := 0
				for b.Loop() {
					b.StopTimer()
					d, err := deps.Get(ctx, "d-00000", metav1.GetOptions{})
					if err != nil {
						b.Fatal(err)
					}
					i++
					d.Spec.Template.Spec.Containers[0].Image = fmt.Sprintf("model:v%d", i)
					if _, err := deps.Update(ctx, d, metav1.UpdateOptions{}); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					if err := c.Sync(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// settledFleet returns a cluster of n settled Deployments d-00000, d-00001,
// ... in namespace ns, one ready pod each.
func settledFleet(tb testing.TB, n int) *Cluster {
	tb.Helper()
	ctx := tb.Context()
	c := New(Options{ReadyAfter: -1})
	deps := c.Client().AppsV1().Deployments("ns")
	for i := range n {
		d := newDeployment(1, rolling("25%", "25%"))
		d.ObjectMeta = metav1.ObjectMeta{Name: fmt.Sprintf("d-%05d", i), Namespace: "ns"}
		if _, err := deps.Create(ctx, d, metav1.CreateOptions{}); err != nil {
			tb.Fatal(err)
		}
	}
	for range 3 { // create the pods, ready them, write status
		if err := c.Sync(ctx); err != nil {
			tb.Fatal(err)
		}
	}
	if d, err := deps.Get(ctx, "d-00000", metav1.GetOptions{}); err != nil {
		tb.Fatal(err)
	} else if _, done, _ := RolloutStatus(d); !done {
		tb.Fatalf("fleet not settled: %+v", d.Status)
	}
	return c
}
