package systemtest

import (
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// TestReadModelIndexes: the api creates the read models' indexes at start,
// and starting again over the same data (CreateOne of existing indexes)
// works.
func TestReadModelIndexes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o := devstackOptions()
	o.DataDir = dir
	s, _ := start(t, o)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, _ = start(t, o)
	client, err := mongo.Connect(options.Client().ApplyURI(s.MongoURI))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(t.Context()) })
	for coll, want := range map[string][]string{
		"deployments": {"owner_1_project_1_name_1", "labels.k_1_labels.v_1", "target_1_name_1", "createdAt_1__id_1"},
		"operations":  {"acceptedAt_-1__id_-1", "deployment_1_acceptedAt_-1", "actor_1_acceptedAt_-1", "owner_1_project_1_acceptedAt_-1"},
		"revisions":   {"deployment_1_number_-1"},
	} {
		have := map[string]bool{}
		// The api creates them before it serves reads, not before start returns.
		eventually(t, 30*time.Second, "indexes of "+coll, func() bool {
			specs, err := client.Database("slipway").Collection(coll).Indexes().ListSpecifications(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			for _, sp := range specs {
				have[sp.Name] = true
			}
			return len(have) > len(want)
		})
		for _, name := range want {
			if !have[name] {
				t.Errorf("%s has no index %s (has %v)", coll, name, have)
			}
		}
	}
}
