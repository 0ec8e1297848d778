package systemtest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

type auditPage struct {
	Items []struct {
		ID, Kind, Deployment, Actor, Status string
		Diff                                []struct{ Path, Op string }
		AcceptedAt                          time.Time
	}
	NextCursor string
}

func TestAuditSaysWhoDidWhatWithWhichDiffAndOutcome(t *testing.T) {
	t.Parallel()
	_, api := start(t, devstackOptions())
	begin := time.Now().UTC().Add(-time.Second).Format(time.RFC3339)
	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("audited", 1))
	patch(t, api, "audited", map[string]any{"spec": map[string]any{"image": "ghcr.io/acme/scorer:2.0"}})
	api.Do(t, http.MethodPost, deploymentsPath+"/audited/rollback?wait=60s", map[string]any{"revision": 9}) // rejected
	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("other", 1))

	var page auditPage
	api.Do(t, http.MethodGet, "/v1/audit?deployment=acme/fraud/audited", nil).Decode(t, &page)
	var kinds []string
	for _, e := range page.Items {
		kinds = append(kinds, e.Kind+":"+e.Status)
	}
	if strings.Join(kinds, ",") != "rollback_deployment:rejected,update_deployment:succeeded,create_deployment:succeeded" {
		t.Fatalf("audit, newest first: %v", kinds)
	}
	// A create adds every field, the image too (it read as changed from "").
	if c := page.Items[2]; !hasChange(c.Diff, "spec.image", "added") || hasChange(c.Diff, "spec.image", "changed") {
		t.Fatalf("the create's audit entry: %+v", c)
	}
	update := page.Items[1]
	if update.Actor != "user:anonymous" || len(update.Diff) != 1 || update.Diff[0].Path != "spec.image" || update.Diff[0].Op != "changed" {
		t.Fatalf("the update's audit entry: %+v", update)
	}
	// Filters and pages.
	var all auditPage
	api.Do(t, http.MethodGet, "/v1/audit?project=acme/fraud&from="+url.QueryEscape(begin), nil).Decode(t, &all)
	if len(all.Items) != 4 {
		t.Fatalf("project audit: %d entries", len(all.Items))
	}
	var first, second auditPage
	api.Do(t, http.MethodGet, "/v1/audit?limit=2", nil).Decode(t, &first)
	api.Do(t, http.MethodGet, "/v1/audit?limit=2&cursor="+first.NextCursor, nil).Decode(t, &second)
	if len(first.Items) != 2 || len(second.Items) != 2 || first.Items[1].ID == second.Items[0].ID || second.NextCursor != "" {
		t.Fatalf("pages: %+v / %+v", first, second)
	}
	future := url.QueryEscape(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	var none auditPage
	api.Do(t, http.MethodGet, "/v1/audit?from="+future, nil).Decode(t, &none)
	if len(none.Items) != 0 {
		t.Fatalf("from the future: %+v", none)
	}
	// since= is no filter of the audit: refused, not ignored to answer everything.
	for _, q := range []string{"from=yesterday", "project=acme", "deployment=a/b", "cursor=xyz", "since=" + begin} {
		api.Do(t, http.MethodGet, "/v1/audit?"+q, nil).ExpectProblem(t, http.StatusBadRequest)
	}
}

func hasChange(diff []struct{ Path, Op string }, path, op string) bool {
	for _, c := range diff {
		if c.Path == path && c.Op == op {
			return true
		}
	}
	return false
}

// TestARejectedApplyIsAuditedOnItsDeployment: the audit row of a refused
// apply_promotion names the promotion's target deployment (it named the
// promotion id).
func TestARejectedApplyIsAuditedOnItsDeployment(t *testing.T) {
	t.Parallel()
	_, api := start(t, devstackOptions())
	waitForTargets(t, api)
	src, dst := createBody("aud-src", 1), createBody("aud-dst", 1)
	src["spec"].(map[string]any)["env"] = map[string]string{"FEATURE_X": "on"}
	for _, body := range []map[string]any{src, dst} {
		if r := api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", body); r.Status != http.StatusOK {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
	}
	var plan struct{ ID, Status string }
	api.Do(t, http.MethodPost, "/v1/promotions?wait=30s",
		map[string]any{"source": "acme/fraud/aud-src", "target": "acme/fraud/aud-dst", "dryRun": true}).Decode(t, &plan)
	if plan.Status != "needs-input" {
		t.Fatalf("plan: %+v", plan)
	}
	api.Do(t, http.MethodPost, "/v1/promotions/"+plan.ID+"/apply?wait=30s", nil).ExpectProblem(t, http.StatusUnprocessableEntity)
	var page auditPage
	api.Do(t, http.MethodGet, "/v1/audit?kind=apply_promotion", nil).Decode(t, &page)
	if len(page.Items) != 1 || page.Items[0].Deployment != "acme/fraud/aud-dst" || page.Items[0].Status != "rejected" {
		t.Fatalf("audit of the refused apply: %+v", page.Items)
	}
}
