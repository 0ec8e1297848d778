package systemtest

import (
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestOneTraceFromRequestToKubernetes: the HTTP request, the command
// message, the worker's decision, each Kubernetes call and the resulting
// events all belong to the trace the client started (W3C traceparent in
// HTTP and NATS headers and in the envelopes).
func TestOneTraceFromRequestToKubernetes(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp)))
	_, api := start(t, devstackOptions())

	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	r := api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("traced", 2),
		"traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	if r.Status != http.StatusOK {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	names := map[string]int{}
	for _, s := range exp.GetSpans() {
		if s.SpanContext.TraceID().String() == traceID {
			names[s.Name]++
		}
	}
	want := []string{
		"POST /v1/projects/:owner/:project/deployments",
		"publish slipway.command.create_deployment.v1",
		"decide slipway.command.create_deployment.v1",
		"append slipway.deployment.created.v1",
		"slipway.deployment.created.v1", // the rollout driver's span for the event
		"kubernetes apply Service",
		"kubernetes apply Deployment",
		"append slipway.deployment.rollout_started.v1",
		"append slipway.deployment.rollout_succeeded.v1",
	}
	var missing []string
	for _, n := range want {
		if names[n] == 0 {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("spans missing from the trace: %s\nspans in it: %v", strings.Join(missing, ", "), names)
	}
}
