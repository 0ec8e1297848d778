package worker

import (
	"context"
	"encoding/json"
	"fmt"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
)

// publishTargets records the targets this worker serves, so the api can
// validate target names and instance types before accepting a command and
// list the targets. Workers of one deployment serve the same targets; the
// last write wins and says the same.
func publishTargets(ctx context.Context, b *bus.Conn, ts *kube.Targets) error {
	kv, err := b.JS.KeyValue(ctx, events.BucketTargets)
	if err != nil {
		return fmt.Errorf("targets bucket: %w", err)
	}
	for _, t := range ts.All() {
		rec, err := json.Marshal(t.Record(t.Name == ts.Default))
		if err != nil {
			return err
		}
		if _, err := kv.Put(ctx, t.Name, rec); err != nil {
			return fmt.Errorf("publish target %s: %w", t.Name, err)
		}
	}
	return nil
}
