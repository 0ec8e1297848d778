package projector

import (
	"fmt"
	"testing"
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
