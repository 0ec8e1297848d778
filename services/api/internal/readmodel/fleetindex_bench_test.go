package readmodel_test

import (
	"context"
	"fmt"
	"testing"

	"slipway.dev/services/api/internal/readmodel"
)

type noSummaries struct{}

func (noSummaries) DeploymentSummaries(context.Context, readmodel.FleetQuery) ([]readmodel.DeploymentSummary, error) {
	return nil, nil
}

// BenchmarkFleetIndexPage is what a page costs the projector's api at N
// deployments: the bench's query (a label and a name search) and an
// unfiltered first page, 51 read as the handler reads them.
func BenchmarkFleetIndexPage(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		x := readmodel.NewFleetIndex()
		for i := range n {
			d := fleetDoc(i)
			d.ID, d.Name = fmt.Sprintf("bench/p/%s-%05d", d.Name, i), fmt.Sprintf("%s-%05d", d.Name, i)
			x.Publish(d)
		}
		if err := x.Load(b.Context(), noSummaries{}); err != nil {
			b.Fatal(err)
		}
		for name, q := range map[string]readmodel.FleetQuery{
			"label+search": {Query: parseB(b, "label.team=risk and name~abc"), Limit: 51},
			"first page":   {Limit: 51},
		} {
			b.Run(fmt.Sprintf("N=%d/%s", n, name), func(b *testing.B) {
				for b.Loop() {
					if items, ok := x.Summaries(q); !ok || len(items) == 0 {
						b.Fatalf("%d items, loaded %v", len(items), ok)
					}
				}
			})
		}
	}
}
