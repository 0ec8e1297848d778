package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// idPlan is SQLite's plan for the statement FerretDB uses to find a
// document of coll by _id.
func idPlan(t *testing.T, dir, database, coll string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, database+".sqlite")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	var table string
	if err := db.QueryRowContext(t.Context(), `SELECT table_name FROM _ferretdb_collections WHERE name = ?`, coll).Scan(&table); err != nil {
		t.Fatalf("table of %s.%s: %v", database, coll, err)
	}
	var id, parent, unused int
	var plan string
	q := fmt.Sprintf(`EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM %q WHERE _ferretdb_sjson->'$._id' = ?`, table)
	if err := db.QueryRowContext(t.Context(), q, `"x"`).Scan(&id, &parent, &unused, &plan); err != nil {
		t.Fatal(err)
	}
	return plan
}

func usesIDIndex(plan string) bool {
	return strings.Contains(plan, "USING INDEX") && strings.Contains(plan, idIndexSuffix)
}

// TestLookupsByIDUseAnIndex: FerretDB's statements by _id search an index
// in every collection of every database, including one made after the
// server started and one dropped and made again, and FerretDB's own rules
// (unique _id, upserts, deletes) hold as before.
func TestLookupsByIDUseAnIndex(t *testing.T) {
	dir := t.TempDir()
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
	ctx := t.Context()
	colls := []*mongo.Collection{client.Database("one").Collection("a"), client.Database("one").Collection("b"), client.Database("two").Collection("a")}
	for _, c := range colls {
		if _, err := c.InsertMany(ctx, []any{bson.M{"_id": "x", "n": 1}, bson.M{"_id": "y", "n": 2}}); err != nil {
			t.Fatal(err)
		}
	}
	if plan := idPlan(t, dir, "one", "a"); usesIDIndex(plan) {
		t.Logf("already indexed by the server's own indexer: %s", plan)
	}
	// Deterministically, whatever the server's indexer did meanwhile.
	x := newIDIndexer(dir)
	defer x.close()
	if err := x.sync(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range colls {
		if plan := idPlan(t, dir, c.Database().Name(), c.Name()); !usesIDIndex(plan) {
			t.Errorf("%s.%s: plan %q, want a search of the _id index", c.Database().Name(), c.Name(), plan)
		}
	}

	// FerretDB's behaviour by _id is as before.
	a := colls[0]
	if _, err := a.InsertOne(ctx, bson.M{"_id": "x"}); !mongo.IsDuplicateKeyError(err) {
		t.Errorf("insert of an existing _id: %v, want a duplicate key error", err)
	}
	if _, err := a.ReplaceOne(ctx, bson.M{"_id": "x"}, bson.M{"n": 10}, options.Replace().SetUpsert(true)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ReplaceOne(ctx, bson.M{"_id": "z"}, bson.M{"n": 3}, options.Replace().SetUpsert(true)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.DeleteOne(ctx, bson.M{"_id": "y"}); err != nil {
		t.Fatal(err)
	}
	var got []struct {
		ID string `bson:"_id"`
		N  int    `bson:"n"`
	}
	cur, err := a.Find(ctx, bson.M{}, options.Find().SetSort(bson.M{"_id": 1}))
	if err != nil {
		t.Fatal(err)
	}
	if err := cur.All(ctx, &got); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[{x 10} {z 3}]" {
		t.Errorf("documents after replace, upsert and delete: %v", got)
	}

	// A collection dropped and made again gets a new table: indexed too.
	if err := a.Drop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.InsertOne(ctx, bson.M{"_id": "again"}); err != nil {
		t.Fatal(err)
	}
	if err := x.sync(ctx); err != nil {
		t.Fatal(err)
	}
	if plan := idPlan(t, dir, "one", "a"); !usesIDIndex(plan) {
		t.Errorf("one.a made again: plan %q, want a search of the _id index", plan)
	}

	// The server's own indexer gets to a collection made while it runs.
	late := client.Database("three").Collection("late")
	if _, err := late.InsertOne(ctx, bson.M{"_id": "x"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute) // a bound on a wait, not a speed assertion
	for !usesIDIndex(idPlan(t, dir, "three", "late")) {
		if time.Now().After(deadline) {
			t.Fatal("three.late: the running server's indexer never indexed it")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
