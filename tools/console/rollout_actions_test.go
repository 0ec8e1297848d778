package console

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// viewerToken makes a token with the viewer role on acme/fraud.
func viewerToken(t *testing.T, w world) string {
	t.Helper()
	var tok struct {
		Token string `json:"token"`
	}
	w.api.Do(t, http.MethodPost, "/v1/tokens", map[string]any{"name": "ada", "grants": []map[string]string{{"project": "acme/fraud", "role": "viewer"}}}).Decode(t, &tok)
	return tok.Token
}

// createDeployment creates acme/fraud/name with replicas and waits for its
// rollout to finish.
func createDeployment(t *testing.T, w world, name string, replicas int) {
	t.Helper()
	r := w.api.Do(t, http.MethodPost, "/v1/projects/acme/fraud/deployments?wait=60s",
		map[string]any{"name": name, "spec": map[string]any{"image": "ghcr.io/acme/scorer:1.0", "replicas": replicas}})
	if r.Status != http.StatusOK || r.JSON(t)["status"] != "succeeded" {
		t.Fatalf("create %s: %d %s", name, r.Status, r.Body)
	}
}

// clickButton clicks the button whose text is text, in one step of the
// page (the section may be drawn again between a wait and a click).
func clickButton(scope, text string) chromedp.Action[chromedp.Void] {
	return script(fmt.Sprintf(`[...document.querySelectorAll(%q)].find((b) => b.textContent === %q).click()`, scope+" button", text))
}

// buttons lists the texts of the buttons under scope.
func buttons(t *testing.T, ctx context.Context, scope string) []string {
	t.Helper()
	return evalJS[[]string](t, ctx, fmt.Sprintf(`[...document.querySelectorAll(%q)].map((b) => b.textContent)`, scope+" button"))
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestConsoleCanary follows a canary on the deployment page of a simulated
// target (no weighted routing: the weight is approximated by pods): its
// step, traffic and replicas live, Promote offered to a deployer and not to
// a viewer, a promotion to the next step, then to completion.
func TestConsoleCanary(t *testing.T) {
	b := browser(t)
	w := start(t)
	createDeployment(t, w, "ranker", 4)
	page := tab(t, b)
	signIn(t, page, w, w.admin)
	run(t, page, chromedp.Navigate(w.url+"/ui/#/d/acme/fraud/ranker"))
	waitText(t, page, ".deployment", 10*time.Second, "Revision 1", "Succeeded")
	if exists(t, page, ".canary") || has(buttons(t, page, "#h-rollout ~ .actions"), "Promote to the next step") {
		t.Fatal("a canary or Promote is shown with no canary in flight")
	}

	r := w.api.Do(t, http.MethodPatch, "/v1/projects/acme/fraud/deployments/ranker", map[string]any{"spec": map[string]any{"image": "ghcr.io/acme/scorer:2.0",
		"rollout": map[string]any{"strategy": "canary", "steps": []any{map[string]any{"setWeight": 25}, map[string]any{"pause": map[string]any{}},
			map[string]any{"setWeight": 50}, map[string]any{"pause": map[string]any{}}}}}}, "Content-Type", "application/merge-patch+json")
	if r.Status != http.StatusAccepted {
		t.Fatalf("update: %d %s", r.Status, r.Body)
	}
	// Held at its first pause: the page got there from the event stream.
	waitText(t, page, ".canary", 60*time.Second, "step 2 of 4: pause until promoted", "weight 25%", "1 canary · 4 stable",
		"approximated by pod counts", "about 20% of the requests")
	waitText(t, page, ".deployment", 5*time.Second, "Revision 2 from 1")
	got := buttons(t, page, "#h-rollout ~ .actions")
	for _, want := range []string{"Promote to the next step", "Promote to completion", "Abort"} {
		if !has(got, want) {
			t.Errorf("the rollout's actions are %q, want %q among them", got, want)
		}
	}
	shoot(t, page, "canary")

	viewer := tab(t, b)
	signIn(t, viewer, w, viewerToken(t, w))
	run(t, viewer, chromedp.Navigate(w.url+"/ui/#/d/acme/fraud/ranker"))
	waitText(t, viewer, ".canary", 10*time.Second, "step 2 of 4", "weight 25%")
	if got := buttons(t, viewer, ".deployment"); has(got, "Promote to the next step") || has(got, "Promote to completion") {
		t.Errorf("a viewer is offered %q", got)
	}

	run(t, page, clickButton("#h-rollout ~ .actions", "Promote to the next step"))
	waitText(t, page, ".ok-note", 10*time.Second, "Promote")
	waitText(t, page, ".canary", 30*time.Second, "step 4 of 4: pause until promoted", "weight 50%", "2 canary · 4 stable")
	if d := deployment(t, w, "ranker"); d.RunningRevision != 1 {
		t.Fatalf("running revision %d at the second pause, want 1", d.RunningRevision)
	}

	run(t, page, clickButton("#h-rollout ~ .actions", "Promote to completion"))
	waitText(t, page, ".deployment", 60*time.Second, "Revision 2 from 1", "Succeeded")
	if exists(t, page, ".canary") || has(buttons(t, page, ".deployment"), "Promote to completion") {
		t.Error("the canary or Promote is still shown after the rollout succeeded")
	}
	if d := deployment(t, w, "ranker"); d.RunningRevision != 2 || d.Image != "ghcr.io/acme/scorer:2.0" {
		t.Errorf("after the promotion: %+v", d)
	}
	waitText(t, page, ".timeline", 5*time.Second, "canary promoted", "canary step started")
}

type deploymentView struct {
	RunningRevision int    `json:"runningRevision"`
	Image           string `json:"image"`
	Terminated      bool   `json:"terminated"`
}

func deployment(t *testing.T, w world, name string) deploymentView {
	t.Helper()
	var d deploymentView
	w.api.Do(t, http.MethodGet, "/v1/projects/acme/fraud/deployments/"+name, nil).Decode(t, &d)
	return d
}

// TestConsoleTerminate terminates a deployment from its page, behind a
// confirmation that names it; a viewer is not offered it.
func TestConsoleTerminate(t *testing.T) {
	b := browser(t)
	w := start(t)
	createDeployment(t, w, "retired", 1)
	dep := w.url + "/ui/#/d/acme/fraud/retired"

	viewer := tab(t, b)
	signIn(t, viewer, w, viewerToken(t, w))
	run(t, viewer, chromedp.Navigate(dep))
	waitText(t, viewer, ".deployment", 10*time.Second, "Revision 1", "Succeeded")
	if got := buttons(t, viewer, ".deployment"); has(got, "Terminate…") {
		t.Errorf("a viewer is offered %q", got)
	}

	page := tab(t, b)
	signIn(t, page, w, w.admin)
	run(t, page, chromedp.Navigate(dep))
	waitText(t, page, ".deployment", 10*time.Second, "Revision 1", "Succeeded")
	run(t, page, clickButton(".page-head", "Terminate…"))
	waitText(t, page, "form.terminate", 5*time.Second, "Terminate acme/fraud/retired?", "Type retired to confirm")
	confirm := `document.querySelector("form.terminate button[type=submit]")`
	if !evalJS[bool](t, page, confirm+`.disabled`) {
		t.Error("Terminate is offered before the name is typed")
	}
	run(t, page, fill("#terminate-name", "retire"))
	if !evalJS[bool](t, page, confirm+`.disabled`) {
		t.Error("Terminate is offered with the wrong name typed")
	}
	shoot(t, page, "terminate")
	if d := deployment(t, w, "retired"); d.Terminated {
		t.Fatal("terminated before it was confirmed")
	}
	run(t, page, fill("#terminate-name", "retired"))
	if evalJS[bool](t, page, confirm+`.disabled`) {
		t.Fatal("Terminate is not offered with the name typed")
	}
	run(t, page, script(confirm+`.click()`))
	waitText(t, page, ".terminated-note", 30*time.Second, "acme/fraud/retired was terminated")
	waitText(t, page, ".page-head", 5*time.Second, "Terminated")
	if exists(t, page, "form.terminate") || has(buttons(t, page, ".page-head"), "Terminate…") || exists(t, page, `a[href$="/edit"]`) {
		t.Error("terminate or edit is still offered after the termination")
	}
	// The read model follows the event the page showed by a moment.
	for end := time.Now().Add(10 * time.Second); !deployment(t, w, "retired").Terminated; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("the API does not say the deployment is terminated")
		}
	}
	// The viewer's page follows it too.
	waitText(t, viewer, ".terminated-note", 10*time.Second, "was terminated")
}
