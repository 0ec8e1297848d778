// Package ferretdbtest checks fleetquery's filters against the embedded
// FerretDB. It is apart from fleetquery so the fuzz binary does not link
// FerretDB, which slows fuzzing tenfold.
package ferretdbtest

import (
	"context"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"slipway.dev/pkg/embedded"
	"slipway.dev/services/api/internal/fleetquery"
	"slipway.dev/services/api/internal/readmodel"
)

// TestFiltersOnFerretDB runs filters against the embedded FerretDB the api
// uses in dev and tests, on documents as readmodel stores them.
func TestFiltersOnFerretDB(t *testing.T) {
	f, err := embedded.StartFerretDB(t.TempDir(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	client, err := mongo.Connect(options.Client().ApplyURI(f.URI()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Disconnect(context.Background()) }()
	coll := client.Database("fleetquery").Collection("deployments")
	lbl := func(kv ...string) []readmodel.Label {
		out := []readmodel.Label{}
		for i := 0; i < len(kv); i += 2 {
			out = append(out, readmodel.Label{Key: kv[i], Value: kv[i+1]})
		}
		return out
	}
	docs := []readmodel.Deployment{
		{ID: "a", Name: "Fraud-Scorer", Environment: "production", Phase: "Running", Health: "Degraded", Revision: 3,
			Image: "ghcr.io/acme/fraud:1.2", Labels: lbl("app.kubernetes.io/part-of", "fraud", "team", "risk")},
		{ID: "b", Name: "ranker", Environment: "production", Phase: "Failed", Health: "Unavailable", Revision: 1,
			Image: "ghcr.io/acme/ranker:1", Labels: lbl("team", "search")},
		{ID: "c", Name: "fraud-shadow", Environment: "staging", Phase: "Running", Health: "Healthy", Revision: 12,
			Image: "ghcr.io/acme/fraud:1x2", Labels: lbl()},
		{ID: "d", Name: "x", Environment: "staging", Phase: "Pending", Health: "Unknown"}, // labels: null
	}
	for _, d := range docs {
		if _, err := coll.InsertOne(t.Context(), d); err != nil {
			t.Fatal(err)
		}
	}
	tests := map[string][]string{
		"health=degraded and env=production":     {"a"},
		"status=running":                         {"a", "c"},
		"status!=running":                        {"b", "d"},
		"name~FRAUD":                             {"a", "c"},
		"image~fraud:1.2":                        {"a"}, // the dot is literal
		"revision=12":                            {"c"},
		"revision!=3 and environment=production": {"b"},
		"label.team=risk":                        {"a"},
		"label.app.kubernetes.io/part-of=fraud":  {"a"},
		"label.team!=risk":                       {"b", "c", "d"},
		"label.team=risk and label.app.kubernetes.io/part-of=fraud": {"a"},
		"label.team=fraud": {},
	}
	for q, want := range tests {
		parsed, err := fleetquery.Parse(q)
		if err != nil {
			t.Fatalf("Parse(%q): %v", q, err)
		}
		cur, err := coll.Find(t.Context(), parsed.Filter())
		if err != nil {
			t.Errorf("%q: find: %v", q, err)
			continue
		}
		var got []struct {
			ID string `bson:"_id"`
		}
		if err := cur.All(t.Context(), &got); err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		ids := []string{}
		for _, g := range got {
			ids = append(ids, g.ID)
		}
		slices.Sort(ids)
		if !slices.Equal(ids, want) {
			t.Errorf("%q (filter %v): got %v, want %v", q, parsed.Filter(), ids, want)
		}
	}
	// Why labels do not use $elemMatch: FerretDB v1 rejects it on fields.
	_, err = coll.Find(t.Context(), bson.M{"labels": bson.M{"$elemMatch": bson.M{"k": "team", "v": "risk"}}})
	if err == nil {
		t.Log("FerretDB now accepts $elemMatch on fields; label filters could use it")
	}
}
