package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/intake"
	"slipway.dev/services/api/internal/readmodel"
	"slipway.dev/testsupport/apitest"
	"slipway.dev/testsupport/apitest/openapicheck"
)

var errBroken = errors.New("connection refused")

// broken is every dependency, failing: the answers the integration tests
// cannot provoke.
type broken struct{}

func (broken) Deployment(context.Context, string) (readmodel.Deployment, error) {
	return readmodel.Deployment{}, errBroken
}
func (broken) Operation(context.Context, string) (readmodel.Operation, error) {
	return readmodel.Operation{}, errBroken
}
func (broken) Revision(context.Context, string, int) (readmodel.Revision, error) {
	return readmodel.Revision{}, errBroken
}
func (broken) Revisions(context.Context, string, int, int) ([]readmodel.Revision, error) {
	return nil, errBroken
}
func (broken) Deployments(context.Context, readmodel.FleetQuery) ([]readmodel.Deployment, error) {
	return nil, errBroken
}
func (broken) DeploymentSummaries(context.Context, readmodel.FleetQuery) ([]readmodel.DeploymentSummary, error) {
	return nil, errBroken
}
func (broken) Operations(context.Context, readmodel.OperationQuery) ([]readmodel.Operation, error) {
	return nil, errBroken
}
func (broken) Promotion(context.Context, string) (readmodel.Promotion, error) {
	return readmodel.Promotion{}, errBroken
}
func (broken) Ping(context.Context) error { return errBroken }
func (broken) Submit(context.Context, intake.Request) (intake.Record, error) {
	return intake.Record{}, errBroken
}
func (broken) Lookup(context.Context, string) (intake.Record, error) {
	return intake.Record{}, errBroken
}
func (broken) Stored(context.Context, intake.Request) (intake.Record, bool, error) {
	return intake.Record{}, false, errBroken
}
func (broken) Changed() <-chan struct{}                          { return nil }
func (broken) OperationChanged(string) (<-chan struct{}, func()) { return nil, func() {} }
func (broken) Target(string) (events.TargetRecord, bool, bool) {
	return events.TargetRecord{}, false, false
}
func (broken) List() []events.TargetRecord { return []events.TargetRecord{} }
func (broken) Names() []string             { return nil }

// TestFailuresAnswerAsDocumented: with every dependency failing, each route
// answers a status and body its operation declares.
func TestFailuresAnswerAsDocumented(t *testing.T) {
	var b broken
	srv := httptest.NewServer(New(Deps{Reads: b, Commands: b, Changes: b, Targets: b,
		Ready: func() error { return errBroken }, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	api := openapicheck.Attach(apitest.New(srv.URL))
	const dep = "/v1/projects/acme/fraud/deployments"
	tests := []struct {
		method, path string
		body         any
		status       int
	}{
		{"GET", "/healthz", nil, 200},
		{"GET", "/readyz", nil, 503},
		{"GET", "/v1/openapi.json", nil, 200},
		{"POST", dep, `{"name":"a","spec":{"image":"i"}}`, 503},
		{"GET", dep + "/a", nil, 500},
		{"PATCH", dep + "/a", `{"spec":{"replicas":2}}`, 500},
		{"DELETE", dep + "/a", nil, 500},
		{"POST", dep + "/a/rollback", `{"revision":1}`, 500},
		{"POST", dep + "/a/rollout/pause", nil, 500},
		{"GET", dep + "/a/revisions", nil, 500},
		{"GET", dep + "/a/revisions/1", nil, 500},
		{"GET", dep + "/a/revisions/1/diff/2", nil, 500},
		{"GET", "/v1/deployments", nil, 500},
		{"GET", "/v1/operations/op-1", nil, 500},
		{"GET", "/v1/targets", nil, 200},
		{"GET", "/v1/targets/mars", nil, 404},
	}
	for _, tt := range tests {
		if r := api.Do(t, tt.method, tt.path, tt.body); r.Status != tt.status {
			t.Errorf("%s %s: %d, want %d: %s", tt.method, tt.path, r.Status, tt.status, r.Body)
		}
	}
	if r := api.Do(t, http.MethodPost, dep, `{"name":"a","spec":{"image":"i"}}`, "Content-Type", "text/plain"); r.Status != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: %d", r.Status)
	}
}
