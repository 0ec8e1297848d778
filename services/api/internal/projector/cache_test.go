package projector

import (
	"fmt"
	"testing"

	"slipway.dev/services/api/internal/readmodel"
)

// TestACacheAtItsLimitEvictsOne: a document cached past the limit evicts
// one other, never the whole cache (which made every event of a fleet just
// past the limit read the store until the cache filled again).
func TestACacheAtItsLimitEvictsOne(t *testing.T) {
	const limit = 100
	cache := map[string]int{}
	for i := range limit {
		remember(cache, fmt.Sprint(i), i, limit)
	}
	remember(cache, "again", 0, limit)
	if len(cache) != limit {
		t.Fatalf("%d documents cached, want the limit %d", len(cache), limit)
	}
	if _, ok := cache["again"]; !ok {
		t.Fatal("the newest document was not cached")
	}
	remember(cache, "again", 1, limit) // one already held evicts nothing
	if len(cache) != limit || cache["again"] != 1 {
		t.Fatalf("%d cached, again=%d", len(cache), cache["again"])
	}
}

// TestFinishedDocumentsLeaveTheCache: once written, a finished operation is
// not kept (no more events are due for it), one still running is, and one
// that finishes after it was cached is dropped; a get before the write
// still sees both.
func TestFinishedDocumentsLeaveTheCache(t *testing.T) {
	w := newWriteBehind()
	ops := &w.ops
	running := readmodel.Operation{ID: "op-running", Status: readmodel.OpRunning}
	ended := readmodel.Operation{ID: "op-ended", Status: readmodel.OpSucceeded}
	for _, o := range []readmodel.Operation{running, ended} {
		ops.dirty[o.ID] = o
	}
	if _, err := ops.take(); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{running.ID, ended.ID} {
		if _, ok := ops.get(id); !ok {
			t.Fatalf("%s not held while its write is under way", id)
		}
	}
	ops.settle()
	if _, ok := ops.get(running.ID); !ok {
		t.Error("a running operation was not cached")
	}
	if _, ok := ops.get(ended.ID); ok {
		t.Error("a finished operation was cached")
	}
	running.Status = readmodel.OpFailed
	ops.dirty[running.ID] = running
	if _, err := ops.take(); err != nil {
		t.Fatal(err)
	}
	ops.settle()
	if _, ok := ops.get(running.ID); ok || len(ops.clean) != 0 {
		t.Errorf("an operation that finished stayed cached: %v", ops.clean)
	}
}
