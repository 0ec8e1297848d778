package systemtest

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"slipway.dev/testsupport/apitest"
)

type fleetPage struct {
	Items []struct {
		ID, Name, Environment, Phase string
		Labels                       map[string]string
	}
	NextCursor string
}

func names(p fleetPage) []string {
	var out []string
	for _, d := range p.Items {
		out = append(out, d.Name)
	}
	return out
}

func list(t *testing.T, api *apitest.Client, query string) fleetPage {
	t.Helper()
	r := api.Do(t, http.MethodGet, "/v1/deployments?"+query, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("list %s: %d %s", query, r.Status, r.Body)
	}
	var p fleetPage
	r.Decode(t, &p)
	return p
}

func TestFleetListFiltersQueriesAndPages(t *testing.T) {
	t.Parallel()
	_, api := start(t, devstackOptions())
	for _, d := range []struct{ name, env, team string }{
		{"alpha", "production", "risk"}, {"beta", "staging", "risk"}, {"gamma", "production", "growth"}, {"delta", "dev", "risk"},
	} {
		body := map[string]any{"name": d.name, "environment": d.env, "labels": map[string]string{"team": d.team, "app.kubernetes.io/part-of": "fraud"},
			"spec": map[string]any{"image": "i:1", "replicas": 1}}
		if r := api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", body); r.Status != http.StatusOK {
			t.Fatalf("create %s: %d %s", d.name, r.Status, r.Body)
		}
	}
	api.Do(t, http.MethodDelete, deploymentsPath+"/delta?wait=60s", nil)

	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"alpha", "beta", "gamma"}},
		{"includeTerminated=true", []string{"alpha", "beta", "delta", "gamma"}},
		{"environment=production", []string{"alpha", "gamma"}},
		{"label=team%3Drisk", []string{"alpha", "beta"}},
		{"label=team%3Drisk&label=app.kubernetes.io%2Fpart-of%3Dfraud&environment=production", []string{"alpha"}},
		{"search=MM", []string{"gamma"}},
		{"project=acme%2Ffraud&target=simulated", []string{"alpha", "beta", "gamma"}},
		{"project=other", nil},
		{"status=running", []string{"alpha", "beta", "gamma"}},
		{"q=" + url.QueryEscape(`env=production and label.team!=risk`), []string{"gamma"}},
		{"q=" + url.QueryEscape(`name~ET and health!=unavailable`), []string{"beta"}},
		{"sort=-name", []string{"gamma", "beta", "alpha"}},
	}
	for _, tt := range tests {
		got := names(list(t, api, tt.query))
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s: got %v, want %v", tt.query, got, tt.want)
		}
	}

	// Bad queries name the position; bad parameters are 400s too.
	p := api.Do(t, http.MethodGet, "/v1/deployments?q="+url.QueryEscape("env=production and colour=red"), nil).ExpectProblem(t, http.StatusBadRequest)
	if !strings.Contains(p.Detail, "position 19") {
		t.Fatalf("the problem must name the position: %s", p.Detail)
	}
	for _, q := range []string{"status=bogus", "label=noequals", "limit=0", "limit=501", "sort=updatedAt", "cursor=zzz", "q=" + url.QueryEscape("env=")} {
		api.Do(t, http.MethodGet, "/v1/deployments?"+q, nil).ExpectProblem(t, http.StatusBadRequest)
	}

	// Paging stays correct while deployments are created between pages.
	first := list(t, api, "limit=2")
	if len(first.Items) != 2 || first.NextCursor == "" {
		t.Fatalf("first page: %+v", first)
	}
	for _, n := range []string{"aaa", "zzz"} {
		api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", map[string]any{"name": n, "spec": map[string]any{"image": "i:1"}})
	}
	seen := names(first)
	cursor := first.NextCursor
	for cursor != "" {
		next := list(t, api, "limit=2&cursor="+cursor)
		seen = append(seen, names(next)...)
		cursor = next.NextCursor
	}
	if strings.Join(seen, ",") != "alpha,beta,gamma,zzz" {
		t.Fatalf("pages: %v (nothing skipped or repeated; a name created behind the cursor appears on no later page)", seen)
	}
	// Newest first, one per page.
	var byTime []string
	cursor = ""
	for {
		next := list(t, api, "sort=-createdAt&limit=1&cursor="+cursor)
		byTime = append(byTime, names(next)...)
		if cursor = next.NextCursor; cursor == "" {
			break
		}
	}
	if strings.Join(byTime, ",") != "zzz,aaa,gamma,beta,alpha" {
		t.Fatalf("by creation time: %v", byTime)
	}
	api.Do(t, http.MethodGet, "/v1/deployments?sort=name&cursor="+first.NextCursor+"x", nil).ExpectProblem(t, http.StatusBadRequest)
	other := list(t, api, "sort=-createdAt&limit=1").NextCursor
	api.Do(t, http.MethodGet, "/v1/deployments?sort=name&cursor="+other, nil).ExpectProblem(t, http.StatusBadRequest)
}

func TestRevisionDiff(t *testing.T) {
	t.Parallel()
	_, api := start(t, devstackOptions())
	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", map[string]any{"name": "dif",
		"spec": map[string]any{"image": "i:1", "replicas": 2, "env": map[string]string{"A": "1"},
			"secrets": []map[string]string{{"env": "DB_PASSWORD", "name": "db", "key": "password", "version": "1"}}}})
	patch(t, api, "dif", map[string]any{"spec": map[string]any{"image": "i:2", "env": map[string]any{"A": nil, "B": "2"},
		"secrets": []map[string]string{{"env": "DB_PASSWORD", "name": "db", "key": "password", "version": "2"}}}})
	var d struct {
		From, To int
		Changes  []struct{ Path, Op string }
		Text     string
	}
	api.Do(t, http.MethodGet, deploymentsPath+"/dif/revisions/1/diff/2", nil).Decode(t, &d)
	var paths []string
	for _, c := range d.Changes {
		paths = append(paths, c.Op+" "+c.Path)
	}
	sort.Strings(paths)
	want := "added spec.env.B,changed spec.image,changed spec.secrets[DB_PASSWORD],removed spec.env.A"
	if d.From != 1 || d.To != 2 || strings.Join(paths, ",") != want {
		t.Fatalf("diff: %+v", d)
	}
	text := api.Do(t, http.MethodGet, deploymentsPath+"/dif/revisions/1/diff/2", nil, "Accept", "text/plain")
	if !strings.Contains(string(text.Body), `~ spec.image: "i:1" -> "i:2"`) || strings.Contains(string(text.Body), "password\":") {
		t.Fatalf("text diff:\n%s", text.Body)
	}
	api.Do(t, http.MethodGet, deploymentsPath+"/dif/revisions/1/diff/7", nil).ExpectProblem(t, http.StatusNotFound)
}
