package systemtest

import (
	"net/http"
	"testing"

	"slipway.dev/cmd/slipway/devstack"
	"slipway.dev/pkg/events"
	"slipway.dev/testsupport/devstacktest"
)

// TestRestartLosesNothing accepts a command while no worker runs, stops
// everything (NATS and FerretDB included), starts again on the same data, and
// checks the command is decided and rolled out exactly once.
func TestRestartLosesNothing(t *testing.T) {
	t.Parallel()
	dir, sim := t.TempDir(), devstacktest.Cluster(t)
	first, err := devstack.Start(t.Context(), devstack.Options{DataDir: dir, Addr: "127.0.0.1:0", Cluster: sim, NoWorker: true, Logger: devstacktest.Quiet()})
	if err != nil {
		t.Fatal(err)
	}
	api := devstacktest.Client(first)
	resp := api.Do(t, http.MethodPost, deploymentsPath, createBody("survivor", 2), "Idempotency-Key", "restart-1")
	if resp.Status != http.StatusAccepted {
		t.Fatalf("create: %d %s", resp.Status, resp.Body)
	}
	opID := resp.JSON(t)["id"].(string)
	if st := api.Do(t, http.MethodGet, "/v1/operations/"+opID, nil).JSON(t)["status"]; st != "accepted" {
		t.Fatalf("with no worker the operation is accepted, got %v", st)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	second, api2 := start(t, devstack.Options{DataDir: dir, Cluster: sim})
	done := api2.Do(t, http.MethodGet, "/v1/operations/"+opID+"?wait=60s", nil)
	if done.Status != http.StatusOK || done.JSON(t)["status"] != "succeeded" {
		t.Fatalf("after restart: %d %s", done.Status, done.Body)
	}
	// A client retrying after the restart gets the same operation.
	again := api2.Do(t, http.MethodPost, deploymentsPath, createBody("survivor", 2), "Idempotency-Key", "restart-1")
	if again.JSON(t)["id"] != opID {
		t.Fatalf("retry after restart: %s", again.Body)
	}
	types := countTypes(history(t, second.NATSURL, events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "survivor"}))
	if types[events.DeploymentCreated{}.Type()] != 1 || types[events.RolloutSucceeded{}.Type()] != 1 || types[events.CommandRejected{}.Type()] != 0 {
		t.Fatalf("history: %v", types)
	}
}
