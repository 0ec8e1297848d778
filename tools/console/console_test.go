package console

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"slipway.dev/cmd/slipway/devstack"
	"slipway.dev/pkg/kube/simcluster"
	"slipway.dev/services/api"
	"slipway.dev/testsupport/apitest"
	"slipway.dev/testsupport/devstacktest"
)

// world is a running stack with auth on, its admin token and a client.
type world struct {
	url   string
	admin string
	api   *apitest.Client
}

// start runs the stack on a simulated cluster slow enough that a rollout
// of three replicas takes a few seconds, so the page can be seen following it.
func start(t *testing.T) world {
	t.Helper()
	cluster := simcluster.New(simcluster.Options{Tick: 100 * time.Millisecond, ReadyAfter: 8})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = cluster.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	admin := api.GenerateToken()
	s := devstacktest.Start(t, devstack.Options{Cluster: cluster, Auth: &api.AuthConfig{AdminToken: admin}})
	// Not devstacktest.Client: its OpenAPI check reads the document
	// without credentials, which this stack refuses.
	return world{url: s.URL, admin: admin, api: apitest.New(s.URL).As(admin)}
}

// signIn opens the console in tab and signs in with token.
func signIn(t *testing.T, ctx context.Context, w world, token string) {
	t.Helper()
	run(t, ctx, chromedp.Navigate(w.url+"/"), fill("#token", token), click(`form.signin button[type=submit]`))
	waitText(t, ctx, "#live", 10*time.Second, "Live")
}

// moveAlias fills and submits the alias form in one step of the page: the
// section is drawn again when the aliases change, which would undo a
// form filled field by field in between.
func moveAlias(name string, revision int) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.WaitVisible(chromedp.CSS("#alias-name")), script(fmt.Sprintf(`
		document.querySelector("#alias-name").value = %q;
		document.querySelector("#alias-revision").value = "%d";
		document.querySelector('form[aria-label="Move an alias"]').requestSubmit()`, name, revision)))
}

// step runs one scenario; the scenarios build on each other, so the first
// failure ends the test.
func step(t *testing.T, name string, f func(t *testing.T)) {
	t.Helper()
	if !t.Run(name, f) {
		t.FailNow()
	}
}

// TestConsole works the console as a team would: sign in, create a
// deployment from the form and watch its rollout, update it, compare two
// revisions, roll back, move an alias, promote with a key to decide, and
// meet a refusal as a viewer.
func TestConsole(t *testing.T) {
	b := browser(t)
	w := start(t)
	page := tab(t, b)
	dep := "#/d/acme/fraud/scorer"

	step(t, "sign-in refuses a wrong token and takes the right one", func(t *testing.T) {
		run(t, page, chromedp.Navigate(w.url+"/"))
		waitText(t, page, "main", 10*time.Second, "Sign in to Slipway")
		run(t, page, fill("#token", "slw_not-a-token"), click(`form.signin button[type=submit]`))
		waitText(t, page, "#token-err", 5*time.Second, "not accepted")
		if evalJS[bool](t, page, `location.href.includes("slw_")`) {
			t.Error("the token shows in the URL")
		}
		signIn(t, page, w, w.admin)
		waitText(t, page, "main h1", 5*time.Second, "Fleet")
		waitText(t, page, "#who", 5*time.Second, "Sign out")
	})

	step(t, "a field error shows next to its field", func(t *testing.T) {
		run(t, page, chromedp.Navigate(w.url+"/ui/#/new"),
			fill("#f-owner", "acme"), fill("#f-project", "fraud"), fill("#f-name", "scorer"),
			fill("#f-spec-image", "ghcr.io/acme/scorer:1.0"), fill("#f-spec-replicas", "900"),
			click(`form button[type=submit]`))
		msg := waitText(t, page, "#f-spec-replicas-err", 10*time.Second, "500")
		if invalid := evalJS[string](t, page, `document.querySelector("#f-spec-replicas").getAttribute("aria-invalid") || ""`); invalid != "true" {
			t.Errorf("replicas is not marked invalid (error %q)", msg)
		}
		shoot(t, page, "edit-error")
	})

	step(t, "create from the form and watch the rollout finish", func(t *testing.T) {
		run(t, page, fill("#f-spec-replicas", "3"), fill("#f-spec-env", "A=1\nB=2"),
			click(`form button[type=button]`)) // Preview changes
		waitText(t, page, ".preview", 5*time.Second, "spec.image", "ghcr.io/acme/scorer:1.0", "spec.env.A")
		run(t, page, click(`form button[type=submit]`))
		// The operation's progress, then its end, arrive without a reload.
		waitText(t, page, ".operation", 10*time.Second, "create deployment")
		waitText(t, page, ".operation", 30*time.Second, "succeeded", "3/3")
		run(t, page, click(`.operation a.button`))
		waitText(t, page, "#h-rollout", 10*time.Second, "Rollout")
		waitText(t, page, ".deployment", 10*time.Second, "Revision 1", "Succeeded", "3/3")
		shoot(t, page, "deployment")
	})

	step(t, "update: the rollout is followed live on the deployment page", func(t *testing.T) {
		// From the keyboard: Tab from the top of the deployment page to
		// its Edit button, Enter opens the form.
		run(t, page, chromedp.Navigate(w.url+"/ui/"+dep))
		waitText(t, page, ".deployment .actions", 10*time.Second, "Edit")
		reached := false
		for range 40 {
			run(t, page, chromedp.KeyEvent(kb.Tab))
			if evalJS[string](t, page, `document.activeElement.textContent`) == "Edit" {
				reached = true
				break
			}
		}
		if !reached {
			t.Fatal("Tab never reached the Edit button")
		}
		run(t, page, chromedp.KeyEvent(kb.Enter))
		waitText(t, page, "main h1", 5*time.Second, "Edit scorer")
		if focused := evalJS[string](t, page, `document.activeElement.id`); focused != "f-spec-image" {
			t.Errorf("the edit form opens with %q focused, want the image", focused)
		}
		run(t, page, fill("#f-spec-image", "ghcr.io/acme/scorer:1.1"),
			click(`form button[type=button]`))
		preview := waitText(t, page, ".preview", 5*time.Second, "spec.image", "ghcr.io/acme/scorer:1.1", "creates revision 2")
		if strings.Contains(preview, "spec.env") {
			t.Errorf("the preview shows env changes the form did not make: %s", preview)
		}
		shoot(t, page, "edit")
		run(t, page, click(`form button[type=submit]`),
			chromedp.Navigate(w.url+"/ui/"+dep))
		// Progressing first (pods warm up for 0.8 s each), then done: the
		// page moved on its own, from the event stream.
		waitText(t, page, ".deployment", 10*time.Second, "Revision 2 from 1")
		capture(t, page, "readme-deployment")
		waitText(t, page, ".deployment", 30*time.Second, "Revision 2 from 1", "Succeeded")
		waitText(t, page, ".timeline", 5*time.Second, "rollout succeeded")
		spec := evalJS[string](t, page, `document.querySelector("pre.spec").innerText`)
		if !strings.Contains(spec, "scorer:1.1") || !strings.Contains(spec, `"B": "2"`) {
			t.Errorf("spec after the update: %s", spec)
		}
	})

	step(t, "diff two revisions side by side", func(t *testing.T) {
		// One step in the page: the table may be drawn again meanwhile (the
		// read model catching up), which would detach a node between clicks.
		run(t, page, script(`document.querySelector('tr[data-revision="1"] input[name=diff-from]').click();
			document.querySelector('tr[data-revision="2"] input[name=diff-to]').click();
			document.querySelector("#h-revisions ~ .actions button").click()`))
		row := waitText(t, page, `.diff tr[data-path="spec.image"]`, 5*time.Second, "ghcr.io/acme/scorer:1.0", "ghcr.io/acme/scorer:1.1")
		from := texts(t, page, `.diff tr[data-path="spec.image"] td.from`)
		to := texts(t, page, `.diff tr[data-path="spec.image"] td.to`)
		if len(from) != 1 || from[0] != "ghcr.io/acme/scorer:1.0" || len(to) != 1 || to[0] != "ghcr.io/acme/scorer:1.1" {
			t.Errorf("diff row %q: from %q to %q", row, from, to)
		}
		if n := len(texts(t, page, ".diff tbody tr")); n != 1 {
			t.Errorf("%d rows in the diff, want 1 (only the image changed)", n)
		}
	})

	step(t, "roll back says which revision it creates", func(t *testing.T) {
		sel := `tr[data-revision="1"] button`
		label := waitText(t, page, sel, 5*time.Second, "Roll back to r1", "creates r3")
		_ = label
		run(t, page, script(fmt.Sprintf(`document.querySelector(%q).click()`, sel)))
		waitText(t, page, `tr[data-revision="3"]`, 10*time.Second, "rolled back from v1", "scorer:1.0")
		waitText(t, page, ".deployment", 30*time.Second, "Revision 3 from 2", "Succeeded")
		waitText(t, page, `tr[data-revision="3"]`, 10*time.Second, "running")
	})

	step(t, "move an alias and see its history", func(t *testing.T) {
		run(t, page, moveAlias("stable", 2))
		waitText(t, page, `.alias[data-alias="stable"] h3`, 20*time.Second, "stable → revision 2")
		run(t, page, moveAlias("stable", 3))
		waitText(t, page, `.alias[data-alias="stable"] h3`, 20*time.Second, "stable → revision 3")
		hist := waitText(t, page, `.alias[data-alias="stable"] details`, 5*time.Second, "History (2 moves)")
		run(t, page, click(`.alias[data-alias="stable"] summary`))
		hist = waitText(t, page, `.alias[data-alias="stable"] .history`, 5*time.Second, "2 → 3")
		if !strings.Contains(hist, "→ 2") {
			t.Errorf("alias history: %q", hist)
		}
		waitText(t, page, `.alias[data-alias="stable"]`, 5*time.Second, "/acme/fraud/scorer/stable/predict", "Copy")
	})

	step(t, "review and apply a promotion with a key to decide", func(t *testing.T) {
		r := w.api.Do(t, http.MethodPost, "/v1/projects/acme/fraud/deployments?wait=60s",
			map[string]any{"name": "scorer-prod", "environment": "prod", "spec": map[string]any{"image": "ghcr.io/acme/scorer:0.9", "replicas": 1, "env": map[string]string{"A": "prod"}}})
		if r.Status != http.StatusOK && r.Status != http.StatusCreated {
			t.Fatalf("create scorer-prod: %d %s", r.Status, r.Body)
		}
		run(t, page, chromedp.Navigate(w.url+"/ui/#/promote?source=acme/fraud/scorer&target=acme/fraud/scorer-prod"))
		plan := waitText(t, page, "#h-plan", 10*time.Second, "Plan")
		_ = plan
		waitText(t, page, ".promote", 5*time.Second, "needs-input", "kept by the target", "spec.image")
		waitText(t, page, `tr[data-key="B"]`, 5*time.Second, "new-in-source")
		if !evalJS[bool](t, page, `[...document.querySelectorAll(".promote button.primary")].find((b) => b.textContent.startsWith("Apply")).disabled`) {
			t.Error("Apply is offered before the new key is decided")
		}
		shoot(t, page, "promotion")
		run(t, page, fill(`tr[data-key="B"] input[type=text]`, "prod-b"),
			click(`form[aria-labelledby="h-decide"] button[type=submit]`))
		waitText(t, page, ".promote", 10*time.Second, "planned", "decided: a value given")
		run(t, page, script(`[...document.querySelectorAll(".promote button.primary")].find((b) => b.textContent.startsWith("Apply")).click()`))
		waitText(t, page, ".promote .ok-note", 60*time.Second, "Promotion applied")
		var d struct {
			Spec struct {
				Image string            `json:"image"`
				Env   map[string]string `json:"env"`
			} `json:"spec"`
		}
		w.api.Do(t, http.MethodGet, "/v1/projects/acme/fraud/deployments/scorer-prod", nil).Decode(t, &d)
		if d.Spec.Image != "ghcr.io/acme/scorer:1.0" || d.Spec.Env["B"] != "prod-b" || d.Spec.Env["A"] != "prod" {
			t.Errorf("scorer-prod after the promotion: %+v", d.Spec)
		}
	})

	step(t, "a stale plan is explained", func(t *testing.T) {
		run(t, page, chromedp.Navigate(w.url+"/ui/#/promote?source=acme/fraud/scorer&target=acme/fraud/scorer-prod&x=1"))
		waitText(t, page, ".promote", 10*time.Second, "planned")
		r := w.api.Do(t, http.MethodPatch, "/v1/projects/acme/fraud/deployments/scorer-prod?wait=60s", map[string]any{"spec": map[string]any{"replicas": 2}},
			"Content-Type", "application/merge-patch+json")
		if r.Status != http.StatusOK {
			t.Fatalf("update scorer-prod: %d %s", r.Status, r.Body)
		}
		run(t, page, script(`[...document.querySelectorAll(".promote button.primary")].find((b) => b.textContent.startsWith("Apply")).click()`))
		waitText(t, page, ".promote .problem", 20*time.Second, "This plan is stale", "Plan again")
	})

	step(t, "fleet and other pages", func(t *testing.T) {
		// Loaded afresh again and again (a page left keeps no stream
		// open, or the browser's six connections run out).
		for i := range 8 {
			run(t, page, chromedp.Navigate(fmt.Sprintf("%s/ui/?load=%d#/", w.url, i)))
			waitText(t, page, `tr[data-id="acme/fraud/scorer-prod"]`, 10*time.Second, "scorer-prod", "Running")
		}
		// More of a fleet, created while the page is open: they appear
		// without a reload.
		for i, m := range []struct{ project, name, env, image string }{
			{"acme/risk", "churn", "prod", "ghcr.io/acme/churn:3.2"}, {"acme/risk", "churn-canary", "staging", "ghcr.io/acme/churn:3.3"},
			{"acme/search", "embedder", "prod", "ghcr.io/acme/embedder:0.14"}, {"acme/search", "reranker", "dev", "ghcr.io/acme/reranker:1.0"},
		} {
			r := w.api.Do(t, http.MethodPost, "/v1/projects/"+m.project+"/deployments", map[string]any{"name": m.name, "environment": m.env,
				"labels": map[string]string{"team": strings.Split(m.project, "/")[1]}, "spec": map[string]any{"image": m.image, "replicas": 2 + i}})
			if r.Status != http.StatusAccepted {
				t.Fatalf("create %s: %d %s", m.name, r.Status, r.Body)
			}
		}
		waitText(t, page, `tr[data-id="acme/search/reranker"]`, 10*time.Second, "reranker", "ghcr.io/acme/reranker:1.0")
		waitText(t, page, `tr[data-id="acme/search/reranker"]`, 30*time.Second, "Running", "5/5")
		shoot(t, page, "fleet")
		capture(t, page, "readme-fleet")
		run(t, page, chromedp.Navigate(w.url+"/ui/#/audit?deployment=acme/fraud/scorer"))
		waitText(t, page, "main", 10*time.Second, "rollback deployment", "set alias")
		shoot(t, page, "audit")
		run(t, page, chromedp.Navigate(w.url+"/ui/#/targets"))
		waitText(t, page, "main", 10*time.Second, "reachable")
		shoot(t, page, "targets")
		run(t, page, chromedp.Navigate(w.url+"/ui/#/tokens"))
		waitText(t, page, "main", 10*time.Second, "New API token")
		shoot(t, page, "tokens")
		run(t, page, chromedp.Navigate(w.url+"/ui/#/webhooks"))
		waitText(t, page, "main", 10*time.Second, "New webhook")
		shoot(t, page, "webhooks")
	})

	step(t, "a viewer is offered no changes and a refusal is explained", func(t *testing.T) {
		var tok struct {
			Token string `json:"token"`
		}
		w.api.Do(t, http.MethodPost, "/v1/tokens", map[string]any{"name": "ada", "grants": []map[string]string{{"project": "acme/fraud", "role": "viewer"}}}).Decode(t, &tok)
		viewer := tab(t, b)
		signIn(t, viewer, w, tok.Token)
		run(t, viewer, chromedp.Navigate(w.url+"/ui/"+dep))
		waitText(t, viewer, ".deployment", 10*time.Second, "Revisions", "Aliases")
		for _, sel := range []string{`a[href$="/edit"]`, `tr[data-revision] button`, `form[aria-label="Move an alias"]`, `a[href^="#/new"]`} {
			if exists(t, viewer, sel) {
				t.Errorf("a viewer is offered %s", sel)
			}
		}
		if exists(t, viewer, ".nav-tokens:not([hidden])") {
			t.Error("a viewer is offered the tokens page")
		}
		// The edit page by its address: the API refuses, the page says why.
		run(t, viewer, chromedp.Navigate(w.url+"/ui/"+dep+"/edit"))
		waitText(t, viewer, ".warn-note", 10*time.Second, "may not update")
		run(t, viewer, fill("#f-spec-image", "ghcr.io/acme/scorer:2.0"), click(`form button[type=submit]`))
		waitText(t, viewer, ".form-summary .problem", 10*time.Second, "Not allowed",
			"you need the deployer role on acme/fraud", "the viewer role on acme/fraud")
		shoot(t, viewer, "forbidden")
	})
}
