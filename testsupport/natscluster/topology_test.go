package natscluster_test

import (
	"sync"
	"testing"

	"slipway.dev/pkg/bus"
	"slipway.dev/testsupport/natscluster"
)

// TestServicesDeclareTheTopologyAtOnce: every service declares the streams
// and buckets at start, all at once on a fresh cluster. The server leaves
// concurrent creations of one stream unanswered but one; before bus retried
// them, each service timed out after 10 s and stopped.
func TestServicesDeclareTheTopologyAtOnce(t *testing.T) {
	c := natscluster.Start(t, 3)
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := bus.Connect(t.Context(), c.URLs(), "svc", bus.WithReplicas(3))
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			errs <- conn.EnsureTopology(t.Context())
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
