package systemtest

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/events"
	"slipway.dev/testsupport/apitest"
)

// publishCommand sends a command straight to COMMANDS, as another producer
// on the bus would, bypassing the api's checks.
func publishCommand(t *testing.T, natsURL, kind string, ref events.DeploymentRef, opID string, cmd events.Message) {
	t.Helper()
	env, err := events.Wrap(cmd, events.Meta{ID: opID, Source: "/test", Subject: ref.String(), Time: time.Now(), Actor: "user:test", CorrelationID: opID})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := env.Marshal()
	js := jetStream(t, natsURL)
	if _, err := js.Publish(t.Context(), events.CommandSubject(kind, ref), data, jetstream.WithMsgID(env.ID)); err != nil {
		t.Fatal(err)
	}
}

// TestWorkerRejectsWithAReason: commands the api did not check (another
// producer on the bus) are still refused by the worker, with a reason on the
// operation and the field named.
func TestWorkerRejectsWithAReason(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstackOptions())
	bad := int32(-4)
	tests := []struct {
		name, op string
		cmd      events.CreateDeployment
		reason   string
		field    string
	}{
		{"invalid spec", "op-direct-1", events.CreateDeployment{Spec: events.Spec{Image: "i:1", Replicas: &bad}}, events.ReasonInvalidSpec, "spec.replicas"},
		{"unknown target", "op-direct-2", events.CreateDeployment{Target: "mars", Spec: events.Spec{Image: "i:1"}}, events.ReasonUnknownTarget, ""},
		{"unknown instance type", "op-direct-3", events.CreateDeployment{Spec: events.Spec{Image: "i:1", InstanceType: "gpu-h100"}}, events.ReasonUnknownInstance, ""},
	}
	for i, tt := range tests {
		ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: fmt.Sprintf("direct%d", i)}
		tt.cmd.Deployment = ref
		publishCommand(t, s.NATSURL, events.KindCreate, ref, tt.op, tt.cmd)
		// No intake record exists for it: the operation appears once the worker decides.
		apitest.Eventually(t, 60*time.Second, tt.name+" decided", func() bool {
			return api.Do(t, http.MethodGet, "/v1/operations/"+tt.op, nil).Status != http.StatusNotFound
		})
		// Reading a rejected operation is no error: 200, status rejected, the reason and the field.
		var rej struct {
			ID, Status, Reason string
			Fields             []events.FieldError
		}
		resp := api.Do(t, http.MethodGet, "/v1/operations/"+tt.op+"?wait=5s", nil)
		resp.Decode(t, &rej)
		named := tt.field == ""
		for _, f := range rej.Fields {
			named = named || f.Field == tt.field
		}
		if resp.Status != http.StatusOK || rej.ID != tt.op || rej.Status != "rejected" || rej.Reason != tt.reason || !named {
			t.Fatalf("%s: %d %s", tt.name, resp.Status, resp.Body)
		}
		api.Do(t, http.MethodGet, deploymentsPath+"/"+ref.Name, nil).ExpectProblem(t, http.StatusNotFound)
	}
}
