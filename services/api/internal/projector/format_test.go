package projector_test

import (
	"reflect"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"slipway.dev/services/api/internal/projector"
	"slipway.dev/services/api/internal/readmodel"
)

// TestOlderFormatIsRebuilt: read models written by a build of an older
// readmodel.Format (here: documents without the version this build derives,
// and a checkpoint without a format) are cleared and rebuilt from EVENTS,
// identical to a fresh projection; the checkpoint then carries this Format.
func TestOlderFormatIsRebuilt(t *testing.T) {
	in := startInfra(t)
	last := appendHistory(t, in.bus)
	project(t, in, "fresh", last)
	project(t, in, "old", last)
	client := connect(t, in)
	old := client.Database("old")
	// What an older build left: the version missing from every deployment,
	// a stray document, and a checkpoint at the end with no format.
	if _, err := old.Collection("deployments").UpdateMany(t.Context(), bson.M{}, bson.M{"$unset": bson.M{"version": ""}}); err != nil {
		t.Fatal(err)
	}
	if _, err := old.Collection("operations").InsertOne(t.Context(), bson.M{"_id": "op-stray"}); err != nil {
		t.Fatal(err)
	}
	if _, err := old.Collection("checkpoints").ReplaceOne(t.Context(), bson.M{"_id": projector.CheckpointName},
		bson.M{"_id": projector.CheckpointName, "seq": int64(last)}); err != nil {
		t.Fatal(err)
	}

	project(t, in, "old", last)
	fresh, rebuilt := dump(t, in.mongoURI, "fresh"), dump(t, in.mongoURI, "old")
	if !reflect.DeepEqual(fresh, rebuilt) {
		t.Fatalf("documents of an older format were not rebuilt:\nfresh   %v\nrebuilt %v", fresh, rebuilt)
	}
	var cp struct {
		Format int `bson:"format"`
	}
	if err := old.Collection("checkpoints").FindOne(t.Context(), bson.M{"_id": projector.CheckpointName}).Decode(&cp); err != nil {
		t.Fatal(err)
	}
	if cp.Format != readmodel.Format || checkpointOf(t, client, "old") != last {
		t.Fatalf("checkpoint after the rebuild: format %d seq %d, want %d and %d", cp.Format, checkpointOf(t, client, "old"), readmodel.Format, last)
	}
}
