package systemtest

import (
	"net/http"
	"testing"

	"slipway.dev/pkg/events"
)

func TestTargetsAreListedWithTheirCatalogues(t *testing.T) {
	t.Parallel()
	_, api := start(t, devstackOptions())
	waitForTargets(t, api)
	var list struct{ Items []events.TargetRecord }
	api.Do(t, http.MethodGet, "/v1/targets", nil).Decode(t, &list)
	if len(list.Items) != 1 {
		t.Fatalf("targets: %+v", list)
	}
	sim := list.Items[0]
	if sim.Name != "simulated" || !sim.Simulated || !sim.Default || sim.InstanceTypes["cpu-small"].CPU == "" {
		t.Fatalf("the simulated target must say so: %+v", sim)
	}
	var one events.TargetRecord
	api.Do(t, http.MethodGet, "/v1/targets/simulated", nil).Decode(t, &one)
	if one.Name != "simulated" {
		t.Fatalf("target: %+v", one)
	}
	api.Do(t, http.MethodGet, "/v1/targets/nope", nil).ExpectProblem(t, http.StatusNotFound)
}
