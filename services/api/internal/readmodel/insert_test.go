package readmodel_test

import (
	"fmt"
	"slices"
	"testing"

	"slipway.dev/pkg/embedded/embeddedtest"
	"slipway.dev/services/api/internal/readmodel"
)

// TestInsertNewReportsThosePresent: documents believed absent are
// inserted together; one present already is neither an error nor
// overwritten, and its index is returned for the caller to replace.
func TestInsertNewReportsThosePresent(t *testing.T) {
	store, err := readmodel.Open(t.Context(), embeddedtest.FerretDB(t), "insert")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close(t.Context()) })
	if err := store.PutOperation(t.Context(), readmodel.Operation{ID: "op-2", Kind: "kept"}); err != nil {
		t.Fatal(err)
	}
	docs := []readmodel.Operation{{ID: "op-1", Kind: "new"}, {ID: "op-2", Kind: "new"}, {ID: "op-3", Kind: "new"}}
	present, err := store.InsertNewOperations(t.Context(), docs)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(present, []int{1}) {
		t.Fatalf("present: %v, want [1] (op-2)", present)
	}
	for id, kind := range map[string]string{"op-1": "new", "op-2": "kept", "op-3": "new"} {
		o, err := store.Operation(t.Context(), id)
		if err != nil || o.Kind != kind {
			t.Fatalf("%s: kind %q, %v; want %q", id, o.Kind, err, kind)
		}
	}
	if present, err := store.InsertNewOperations(t.Context(), nil); err != nil || present != nil {
		t.Fatalf("nothing to insert: %v, %v", present, err)
	}
}

// TestPutRawWritesWholeDocuments: documents marshalled as the projector
// takes them are written whole, new and present ones alike, and writing
// them again changes nothing.
func TestPutRawWritesWholeDocuments(t *testing.T) {
	store, err := readmodel.Open(t.Context(), embeddedtest.FerretDB(t), "putmany")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close(t.Context()) })
	if err := store.PutOperation(t.Context(), readmodel.Operation{ID: "op-7", Kind: "old"}); err != nil {
		t.Fatal(err)
	}
	var docs []readmodel.Operation
	for i := range 250 {
		docs = append(docs, readmodel.Operation{ID: fmt.Sprint("op-", i), Kind: fmt.Sprint("kind-", i)})
	}
	for range 2 {
		for _, o := range docs {
			raw, err := readmodel.Marshal(o.ID, o)
			if err != nil {
				t.Fatal(err)
			}
			if err := store.PutRaw(t.Context(), readmodel.KindOperations, raw); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, want := range docs {
		o, err := store.Operation(t.Context(), want.ID)
		if err != nil || o.Kind != want.Kind {
			t.Fatalf("%s: kind %q, %v; want %q", want.ID, o.Kind, err, want.Kind)
		}
	}
}
