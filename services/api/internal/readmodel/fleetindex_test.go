package readmodel_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"slipway.dev/pkg/embedded/embeddedtest"
	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/fleetquery"
	"slipway.dev/services/api/internal/readmodel"
)

// fleetDoc is the i-th deployment of a small varied fleet: two owners,
// three projects, labels, phases, health, revisions, some terminated, and
// creation times with ties (keyset paging must break them by id).
func fleetDoc(i int) readmodel.Deployment {
	owner := []string{"acme", "globex"}[i%2]
	project := fmt.Sprintf("p%d", i%3)
	name := fmt.Sprintf("model-%02d", i)
	if i%5 == 0 {
		name = fmt.Sprintf("ABC-model-%02d", i)
	}
	spec := events.Spec{Image: fmt.Sprintf("ghcr.io/acme/m:%d", i%4), Env: map[string]string{"BIG": fmt.Sprint(i)}}
	raw, _ := json.Marshal(spec)
	d := readmodel.Deployment{
		ID: owner + "/" + project + "/" + name, Owner: owner, Project: project, Name: name,
		Target: []string{"simulated", "eu"}[i%2], Environment: []string{"staging", "production", ""}[i%3],
		Labels:   []readmodel.Label{{Key: "team", Value: []string{"risk", "growth", "search"}[i%3]}},
		Revision: i%4 + 1, RunningRevision: i % 4, Phase: []events.DeploymentPhase{"Running", "Progressing", "Failed", "Pending"}[i%4],
		Health: []string{"Healthy", "Degraded"}[i%2], Image: spec.Image, SpecJSON: string(raw),
		Replicas:   events.Replicas{Desired: int32(i % 3), Ready: int32(i % 2)},
		Endpoints:  []readmodel.EndpointURL{{Name: "predict", URL: "https://x/" + name, VersionURL: "https://x/v1/" + name, ClusterURL: "http://c/" + name}},
		Terminated: i%7 == 0, CreatedAt: time.Date(2026, 1, 1, 0, i/3, 0, 123456789, time.UTC), UpdatedAt: time.Now(),
		Seq: uint64(100 + i),
	}
	if i%4 == 0 {
		d.Labels = append(d.Labels, readmodel.Label{Key: "tier.x", Value: "gold"})
	}
	return d
}

func parse(t *testing.T, s string) fleetquery.Query { return parseB(t, s) }

func parseB(t testing.TB, s string) fleetquery.Query {
	t.Helper()
	q, err := fleetquery.Parse(s)
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return q
}

// TestFleetIndexAnswersAsTheStore: an index fed by publications and one
// loaded from the store answer every page (filters, scope, terminated,
// both orders, cursors) exactly as the store's query does, summaries
// included.
func TestFleetIndexAnswersAsTheStore(t *testing.T) {
	store, err := readmodel.Open(t.Context(), embeddedtest.FerretDB(t), "fleet")
	if err != nil {
		t.Fatal(err)
	}
	published := readmodel.NewFleetIndex()
	const n = 40
	for i := range n {
		d := fleetDoc(i)
		if err := store.PutDeployment(t.Context(), d); err != nil {
			t.Fatal(err)
		}
		published.Publish(d)
	}
	if _, ok := published.Summaries(readmodel.FleetQuery{}); ok {
		t.Fatal("an index answered before it was loaded")
	}
	if err := published.Load(t.Context(), store); err != nil {
		t.Fatal(err)
	}
	// A stale version published late never replaces a newer one.
	stale := fleetDoc(1)
	stale.Seq, stale.Phase = 1, "Stale"
	published.Publish(stale)
	loaded := readmodel.NewFleetIndex()
	if err := loaded.Load(t.Context(), store); err != nil {
		t.Fatal(err)
	}
	queries := map[string]readmodel.FleetQuery{
		"everything":        {},
		"with terminated":   {IncludeTerminated: true},
		"descending":        {Descending: true, IncludeTerminated: true},
		"by creation":       {ByCreation: true},
		"by creation, desc": {ByCreation: true, Descending: true},
		"a page":            {Limit: 7},
		"a page, desc":      {Limit: 6, ByCreation: true, Descending: true, IncludeTerminated: true},
		"a page of a label": {Query: parse(t, "label.team=risk"), Limit: 3, ByCreation: true},
		"after a cursor":    {AfterID: fleetDoc(12).ID, Limit: 5},
		"after, desc":       {AfterID: fleetDoc(12).ID, Descending: true},
		"after a tie":       {ByCreation: true, AfterID: fleetDoc(13).ID, AfterCreated: fleetDoc(13).CreatedAt.Truncate(time.Millisecond)},
		"scoped":            {Scoped: true, Scope: []string{"acme/*", "globex/p1"}},
		"scoped to nothing": {Scoped: true},
		"label":             {Query: parse(t, "label.team=risk")},
		"label with a dot":  {Query: parse(t, `label.tier.x=gold`)},
		"label not":         {Query: parse(t, "label.team!=risk")},
		"name contains":     {Query: parse(t, "name~abc")},
		"phase and env":     {Query: parse(t, "status=running and env=staging")},
		"env not":           {Query: parse(t, "env!=production")},
		"revision":          {Query: parse(t, "revision=3")},
		"revision not":      {Query: parse(t, "revision!=3")},
		"image contains":    {Query: parse(t, "image~M:2")},
		"owner project":     {Query: parse(t, "owner=globex and project=p2 and health=degraded")},
	}
	for name, q := range queries {
		t.Run(name, func(t *testing.T) {
			want, err := store.DeploymentSummaries(t.Context(), q)
			if err != nil {
				t.Fatal(err)
			}
			for which, x := range map[string]*readmodel.FleetIndex{"published": published, "loaded": loaded} {
				got, ok := x.Summaries(q)
				if !ok {
					t.Fatalf("%s index not loaded", which)
				}
				if g, w := asJSON(t, got), asJSON(t, want); g != w {
					t.Errorf("%s index:\n got %s\nwant %s", which, g, w)
				}
			}
			if len(want) == 0 && name != "scoped to nothing" && name != "after, desc" {
				t.Errorf("the store found nothing: a weak case")
			}
		})
	}
	published.Reset()
	if _, ok := published.Summaries(readmodel.FleetQuery{}); ok {
		t.Error("a reset index answered")
	}
}

func asJSON(t *testing.T, v []readmodel.DeploymentSummary) string {
	t.Helper()
	type shown struct {
		readmodel.DeploymentSummary
		Terminated bool
		Seq        uint64
	}
	out := make([]shown, len(v))
	for i, s := range v {
		out[i] = shown{s, s.Terminated, s.Seq}
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
