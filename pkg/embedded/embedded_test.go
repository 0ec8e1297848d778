package embedded

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// TestFerretDBSurvivesRestart checks the property `slipway dev` relies on:
// data written before a restart is there after it.
func TestFerretDBSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	write := func(doc any) []bson.M {
		f, err := StartFerretDB(dir, "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		client, err := mongo.Connect(options.Client().ApplyURI(f.URI()))
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = client.Disconnect(context.Background()) }()
		coll := client.Database("slipway").Collection("t")
		if doc != nil {
			if _, err := coll.InsertOne(t.Context(), doc); err != nil {
				t.Fatal(err)
			}
		}
		cur, err := coll.Find(t.Context(), bson.M{})
		if err != nil {
			t.Fatal(err)
		}
		var out []bson.M
		if err := cur.All(t.Context(), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	write(bson.M{"_id": "a", "n": 1})
	got := write(nil)
	if len(got) != 1 || got[0]["_id"] != "a" {
		t.Fatalf("after restart: %v", got)
	}
}

func TestNATSStartsWithJetStream(t *testing.T) {
	n, err := StartNATS(t.TempDir(), "127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if n.URL() == "" {
		t.Fatal("no url")
	}
}
