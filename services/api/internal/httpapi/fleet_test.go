package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/readmodel"
	"slipway.dev/testsupport/apitest"
	"slipway.dev/testsupport/apitest/openapicheck"
)

// fleetReads holds three deployments and records the page size asked for.
type fleetReads struct {
	broken
	asked int
}

func (f *fleetReads) docs() []readmodel.Deployment {
	var out []readmodel.Deployment
	for _, n := range []string{"a", "b", "c"} {
		spec := events.Spec{Image: "ghcr.io/acme/" + n}.WithDefaults()
		out = append(out, readmodel.Deployment{ID: "acme/fraud/" + n, Owner: "acme", Project: "fraud", Name: n, Target: "simulated",
			LabelMap: readmodel.Labels{"team": "risk"}, Revision: 1, Phase: "Running", Health: "Healthy", Image: spec.Image,
			Spec: &spec, Endpoints: []readmodel.EndpointURL{{Name: "predict", URL: "https://x/" + n, ClusterURL: "http://c/" + n}},
			Aliases: []readmodel.Alias{}, Warm: []readmodel.WarmRevision{}})
	}
	return out
}

func (f *fleetReads) Deployments(_ context.Context, q readmodel.FleetQuery) ([]readmodel.Deployment, error) {
	f.asked = q.Limit
	return f.docs()[:min(q.Limit, 3)], nil
}

func (f *fleetReads) DeploymentSummaries(_ context.Context, q readmodel.FleetQuery) ([]readmodel.DeploymentSummary, error) {
	f.asked = q.Limit
	var out []readmodel.DeploymentSummary
	for _, d := range f.docs()[:min(q.Limit, 3)] {
		out = append(out, readmodel.DeploymentSummary{ID: d.ID, Owner: d.Owner, Project: d.Project, Name: d.Name, Target: d.Target,
			LabelMap: d.LabelMap, Revision: d.Revision, Phase: d.Phase, Health: d.Health, Image: d.Image, Endpoints: d.Endpoints})
	}
	return out, nil
}

// TestFleetListPagesSummaries: the list answers summaries by default and
// whole documents with view=full, both as the OpenAPI document declares;
// pages are 50 unless limit says otherwise, and a limit above 500 or an
// unknown view is a 400 naming the parameter.
func TestFleetListPagesSummaries(t *testing.T) {
	reads := &fleetReads{}
	srv := httptest.NewServer(New(Deps{Reads: reads, Commands: reads, Changes: reads, Targets: reads,
		Ready: func() error { return nil }, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	api := openapicheck.Attach(apitest.New(srv.URL))

	r := api.Do(t, http.MethodGet, "/v1/deployments", nil)
	if r.Status != http.StatusOK || reads.asked != 51 || strings.Contains(string(r.Body), `"spec"`) ||
		!strings.Contains(string(r.Body), `"targetReachability":"unknown"`) {
		t.Fatalf("default page: %d, asked for %d, %s", r.Status, reads.asked, r.Body)
	}
	r = api.Do(t, http.MethodGet, "/v1/deployments?view=full&limit=2", nil)
	var page struct {
		Items      []map[string]any `json:"items"`
		NextCursor string           `json:"nextCursor"`
	}
	r.Decode(t, &page)
	if r.Status != http.StatusOK || reads.asked != 3 || len(page.Items) != 2 || page.Items[0]["spec"] == nil || page.NextCursor == "" {
		t.Fatalf("full page of 2: %d, asked for %d, %s", r.Status, reads.asked, r.Body)
	}
	if r := api.Do(t, http.MethodGet, "/v1/deployments?view=summary&limit=500", nil); r.Status != http.StatusOK || reads.asked != 501 {
		t.Fatalf("limit 500: %d, asked for %d", r.Status, reads.asked)
	}
	for _, bad := range []struct{ query, names string }{{"limit=501", "limit"}, {"limit=0", "limit"}, {"view=everything", "view"}} {
		p := api.Do(t, http.MethodGet, "/v1/deployments?"+bad.query, nil).ExpectProblem(t, http.StatusBadRequest)
		if !strings.Contains(p.Detail, bad.names) {
			t.Errorf("%s: %+v does not name %s", bad.query, p, bad.names)
		}
	}
}
