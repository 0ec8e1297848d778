package bus

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// KeyValue opens an existing key-value bucket (one of the topology's, or one
// a caller declared with EnsureKeyValue). It never creates one: a missing
// bucket is an error wrapping jetstream.ErrBucketNotFound that names the
// bucket, so a service started before EnsureTopology fails clearly.
func (c *Conn) KeyValue(ctx context.Context, bucket string) (jetstream.KeyValue, error) {
	kv, err := c.js.KeyValue(ctx, bucket)
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", bucket, err)
	}
	return kv, nil
}

// EnsureKeyValue creates the bucket cfg describes, or updates an existing
// one to cfg, and opens it. It is idempotent, and safe to race: callers
// that own a bucket outside the topology declare it at start. Its replicas
// follow EnsureStream's rule: cfg.Replicas 0 means the Conn's count, a live
// bucket with fewer is raised in place, one with more keeps them.
// A declaration the server leaves unanswered is retried (declare).
func (c *Conn) EnsureKeyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	var kv jetstream.KeyValue
	want := cfg.Replicas
	err := declare(ctx, func(ctx context.Context) error {
		replicas, err := c.replicasFor(ctx, kvStream(cfg.Bucket), want)
		if err != nil {
			return err
		}
		cfg.Replicas = replicas
		kv, err = c.js.CreateOrUpdateKeyValue(ctx, cfg)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ensure bucket %s: %w", cfg.Bucket, err)
	}
	return kv, nil
}
