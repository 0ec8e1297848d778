package systemtest

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/cmd/slipway/devstack"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/testsupport/apitest"
)

type aliasView struct {
	Name              string
	Revision, Pending int
	URLs              []struct{ Name, URL string }
	History           []struct {
		From, To int
		Warm     bool
	}
}

func aliases(t *testing.T, api *apitest.Client, name string) map[string]aliasView {
	t.Helper()
	var d struct{ Aliases []aliasView }
	api.Do(t, http.MethodGet, deploymentsPath+"/"+name, nil).Decode(t, &d)
	out := map[string]aliasView{}
	for _, a := range d.Aliases {
		out[a.Name] = a
	}
	return out
}

func setAlias(t *testing.T, api *apitest.Client, name, alias string, revision int) map[string]any {
	t.Helper()
	r := api.Do(t, http.MethodPut, deploymentsPath+"/"+name+"/aliases/"+alias+"?wait=60s", map[string]any{"revision": revision})
	if r.Status != http.StatusOK || r.JSON(t)["status"] != "succeeded" {
		t.Fatalf("alias %s -> v%d: %d %s", alias, revision, r.Status, r.Body)
	}
	return r.JSON(t)
}

func pinnedTemplates(t *testing.T, s *devstack.Stack, name string) map[string]bool {
	t.Helper()
	list, err := s.Target.Client.AppsV1().Deployments("default").List(t.Context(), metav1.ListOptions{LabelSelector: kube.LabelPinnedOf + "=" + name})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, d := range list.Items {
		if d.Labels[kube.LabelPinnedOf] == name && d.DeletionTimestamp == nil {
			out[d.Labels[kube.LabelRevision]] = true
		}
	}
	return out
}

func aliasSelector(t *testing.T, s *devstack.Stack, name, alias string) string {
	t.Helper()
	svc, err := s.Target.Client.CoreV1().Services("default").Get(t.Context(), kube.AliasServiceName("acme", "fraud", name, alias), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return svc.Spec.Selector[kube.LabelRevision]
}

func TestAliasesMoveInstantlyWhenWarmAndSurviveRollouts(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstackOptions())
	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("aliased", 2))

	// v1 runs: staging -> v1 is instant (its pods are ready).
	if op := setAlias(t, api, "aliased", "staging", 1); !strings.Contains(op["message"].(string), "instant") {
		t.Fatalf("a move to a running revision must be instant: %v", op)
	}
	if got := aliasSelector(t, s, "aliased", "staging"); got != "1" {
		t.Fatalf("staging selects template %s", got)
	}
	a := aliases(t, api, "aliased")["staging"]
	if a.Revision != 1 || len(a.URLs) != 1 || !strings.HasSuffix(a.URLs[0].URL, "/acme/fraud/aliased/staging/predict") {
		t.Fatalf("staging: %+v", a)
	}

	// A new revision rolls out; staging keeps serving v1 from its pinned pods.
	patch(t, api, "aliased", map[string]any{"spec": map[string]any{"image": "ghcr.io/acme/scorer:2.0"}})
	if !pinnedTemplates(t, s, "aliased")["1"] {
		t.Fatal("an aliased revision must stay pinned while the main deployment moves on")
	}
	// production -> v2 (running): instant; staging -> v2: instant, and v1's pinned pods go.
	setAlias(t, api, "aliased", "production", 2)
	setAlias(t, api, "aliased", "staging", 2)
	eventually(t, 30*time.Second, "v1 unpinned and its pods gone", func() bool {
		return !pinnedTemplates(t, s, "aliased")["1"] && readyPods(t, s, "aliased", 1) == 0
	})

	// canary -> v1, whose pods are gone: v1 starts first, then the alias moves.
	op := setAlias(t, api, "aliased", "canary", 1)
	if strings.Contains(op["message"].(string), "instant") {
		t.Fatalf("a move to a cold revision cannot be instant: %v", op)
	}
	canary := aliases(t, api, "aliased")["canary"]
	if canary.Revision != 1 || len(canary.History) != 1 || canary.History[0].Warm {
		t.Fatalf("canary: %+v", canary)
	}
	if got := aliasSelector(t, s, "aliased", "canary"); got != "1" {
		t.Fatalf("canary selects template %s", got)
	}
	// Moving staging back and forth keeps its history.
	setAlias(t, api, "aliased", "staging", 1)
	if h := aliases(t, api, "aliased")["staging"].History; len(h) != 3 || h[2].From != 2 || h[2].To != 1 {
		t.Fatalf("staging history: %+v", h)
	}
	if r := api.Do(t, http.MethodPut, deploymentsPath+"/aliased/aliases/staging?wait=30s", map[string]any{"revision": 1}); r.JSON(t)["status"] != "succeeded" {
		t.Fatalf("setting an alias where it points: %s", r.Body)
	}

	// Delete canary; bad requests.
	if r := api.Do(t, http.MethodDelete, deploymentsPath+"/aliased/aliases/canary?wait=30s", nil); r.Status != http.StatusOK {
		t.Fatalf("delete alias: %d %s", r.Status, r.Body)
	}
	if _, ok := aliases(t, api, "aliased")["canary"]; ok {
		t.Fatal("canary must be gone")
	}
	api.Do(t, http.MethodDelete, deploymentsPath+"/aliased/aliases/canary", nil).ExpectProblem(t, http.StatusNotFound)
	api.Do(t, http.MethodPut, deploymentsPath+"/aliased/aliases/v3", map[string]any{"revision": 1}).ExpectProblem(t, http.StatusBadRequest)
	api.Do(t, http.MethodPut, deploymentsPath+"/aliased/aliases/Prod", map[string]any{"revision": 1}).ExpectProblem(t, http.StatusBadRequest)
	if p := api.Do(t, http.MethodPut, deploymentsPath+"/aliased/aliases/qa?wait=30s", map[string]any{"revision": 99}).ExpectProblem(t, http.StatusNotFound); p.Reason != events.ReasonNotFound {
		t.Fatalf("alias to a missing revision: %+v", p)
	}
}

func TestKeepWarmKeepsThePreviousGoodRevisionRunning(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstackOptions())
	body := createBody("warmish", 1)
	body["spec"].(map[string]any)["keepWarm"] = 1
	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", body)
	patch(t, api, "warmish", map[string]any{"spec": map[string]any{"image": "ghcr.io/acme/scorer:2.0"}})
	eventually(t, 30*time.Second, "v1 kept warm", func() bool { return pinnedTemplates(t, s, "warmish")["1"] })
	patch(t, api, "warmish", map[string]any{"spec": map[string]any{"image": "ghcr.io/acme/scorer:3.0"}})
	eventually(t, 30*time.Second, "only the last good revision kept warm, its pods ready", func() bool {
		p := pinnedTemplates(t, s, "warmish")
		return p["2"] && !p["1"] && readyPods(t, s, "warmish", 2) > 0
	})
	// Pointing an alias at the warm revision is instant.
	if op := setAlias(t, api, "warmish", "rollback", 2); !strings.Contains(op["message"].(string), "instant") {
		t.Fatalf("a kept-warm revision must be instant: %v", op)
	}
}

func readyPods(t *testing.T, s *devstack.Stack, name string, template int) int {
	t.Helper()
	sel := kube.LabelInstance + "=" + name + "," + kube.LabelRevision + "=" + strconv.Itoa(template)
	pods, err := s.Target.Client.CoreV1().Pods("default").List(t.Context(), metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range pods.Items {
		if p.Labels[kube.LabelInstance] != name || p.Labels[kube.LabelRevision] != strconv.Itoa(template) {
			continue // the fake clientset may ignore the selector
		}
		for _, c := range p.Status.Conditions {
			if c.Type == "Ready" && c.Status == "True" {
				n++
			}
		}
	}
	return n
}
