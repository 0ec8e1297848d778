package bus_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/embedded/embeddedtest"
)

// TestKeyValueNeverCreates: KeyValue opens a bucket that exists and fails,
// naming the bucket, on one that does not, without creating it.
func TestKeyValueNeverCreates(t *testing.T) {
	b, _ := embeddedtest.NATS(t)
	_, err := b.KeyValue(t.Context(), "test_missing")
	if !errors.Is(err, jetstream.ErrBucketNotFound) || !strings.Contains(err.Error(), "test_missing") {
		t.Fatalf("missing bucket: %v, want ErrBucketNotFound naming test_missing", err)
	}
	if _, err := b.KeyValue(t.Context(), "test_missing"); !errors.Is(err, jetstream.ErrBucketNotFound) {
		t.Fatalf("a failed KeyValue created the bucket: %v", err)
	}
	if _, err := b.EnsureKeyValue(t.Context(), jetstream.KeyValueConfig{Bucket: "test_missing"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.KeyValue(t.Context(), "test_missing"); err != nil {
		t.Fatalf("declared bucket: %v", err)
	}
}

// TestEnsureKeyValueCreatesOrUpdates: declaring a bucket again keeps its
// values and applies the new configuration.
func TestEnsureKeyValueCreatesOrUpdates(t *testing.T) {
	b, _ := embeddedtest.NATS(t)
	cfg := jetstream.KeyValueConfig{Bucket: "test_ensure", History: 1}
	first, err := b.EnsureKeyValue(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.Put(t.Context(), "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	cfg.History = 5
	again, err := b.EnsureKeyValue(t.Context(), cfg)
	if err != nil {
		t.Fatalf("declared twice: %v", err)
	}
	e, err := again.Get(t.Context(), "k")
	if err != nil || string(e.Value()) != "v" {
		t.Fatalf("value after redeclaring: %v, %v", e, err)
	}
	st, err := again.Status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.History() != 5 {
		t.Errorf("history %d after update, want 5", st.History())
	}
}
