package devstack_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/events"
	"slipway.dev/testsupport/apitest"
)

func TestWorkerRejectsWithAReason(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstackOptions())
	unknownTarget := map[string]any{"name": "lost", "target": "mars", "spec": map[string]any{"image": "i:1"}}
	p := api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", unknownTarget).ExpectProblem(t, http.StatusUnprocessableEntity)
	if p.Reason != events.ReasonUnknownTarget || p.Operation == "" {
		t.Fatalf("unknown target: %+v", p)
	}
	// The operation keeps the outcome.
	op := api.Do(t, http.MethodGet, "/v1/operations/"+p.Operation, nil).ExpectProblem(t, http.StatusUnprocessableEntity)
	if op.Reason != events.ReasonUnknownTarget {
		t.Fatalf("operation: %+v", op)
	}
	badType := map[string]any{"name": "big", "spec": map[string]any{"image": "i:1", "instanceType": "gpu-h100"}}
	if p := api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", badType).ExpectProblem(t, http.StatusUnprocessableEntity); p.Reason != events.ReasonUnknownInstance {
		t.Fatalf("unknown instance type: %+v", p)
	}

	// A command that bypasses the API (another producer on the bus) with an
	// invalid spec is still refused by the worker, naming the field.
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "direct"}
	bad := int32(-4)
	env, err := events.Wrap(events.CreateDeployment{Deployment: ref, Spec: events.Spec{Image: "i:1", Replicas: &bad}},
		events.Meta{ID: "op-direct", Source: "/test", Subject: ref.String(), Time: time.Now(), Actor: "user:test", CorrelationID: "op-direct"})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := env.Marshal()
	nc, err := nats.Connect(s.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	if _, err := js.Publish(t.Context(), events.CommandSubject(events.KindCreate, ref), data, jetstream.WithMsgID(env.ID)); err != nil {
		t.Fatal(err)
	}
	// No intake record exists for it: the operation appears once the worker decides.
	apitest.Eventually(t, 60*time.Second, "the direct command decided", func() bool {
		return api.Do(t, http.MethodGet, "/v1/operations/op-direct", nil).Status != http.StatusNotFound
	})
	rej := api.Do(t, http.MethodGet, "/v1/operations/op-direct", nil).ExpectProblem(t, http.StatusUnprocessableEntity)
	if rej.Reason != events.ReasonInvalidSpec || !rej.HasField("spec.replicas") {
		t.Fatalf("invalid spec: %+v", rej)
	}
	api.Do(t, http.MethodGet, "/v1/projects/acme/fraud/deployments/direct", nil).ExpectProblem(t, http.StatusNotFound)
}
