package systemtest

import (
	"net/http"
	"strings"
	"testing"
)

func TestMetricsReportRolloutsCommandsAndLag(t *testing.T) {
	t.Parallel()
	_, api := start(t, devstackOptions())
	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("measured", 1))
	r := api.Do(t, http.MethodGet, "/metrics", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("metrics: %d", r.Status)
	}
	body := string(r.Body)
	for _, want := range []string{
		`slipway_rollouts_total{outcome="succeeded",reason="RolloutComplete"}`,
		`slipway_rollout_duration_seconds_count`,
		`slipway_commands_accepted_total{kind="create"}`,
		`slipway_commands_decided_total{outcome="decided",type="slipway.command.create_deployment.v1"}`,
		`slipway_http_requests_total{code="200",method="POST",route="/v1/projects/:owner/:project/deployments"}`,
		`slipway_projection_lag_events`,
		`slipway_projected_events_total`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
