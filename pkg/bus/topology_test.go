package bus_test

import (
	"sync"
	"testing"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/embedded"
)

// TestEnsureTopologyRaces: every service ensures the streams and buckets
// when it starts, and a stack starts them at once; none may fail because
// another created the same stream or bucket first.
func TestEnsureTopologyRaces(t *testing.T) {
	for round := range 20 {
		n, err := embedded.StartNATS(t.TempDir(), "127.0.0.1", 0)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Go(func() {
				b, err := bus.Connect(t.Context(), n.URL(), "race")
				if err != nil {
					errs <- err
					return
				}
				defer b.Close()
				errs <- b.EnsureTopology(t.Context())
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("round %d: %v", round, err)
			}
		}
		n.Close()
	}
}
