package e2e_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/kube"
	"slipway.dev/testsupport/e2e"
	"slipway.dev/testsupport/gatewayapi"
	"slipway.dev/testsupport/kubeplane"
)

const typeRoutingChanged = "slipway.deployment.routing_changed.v1"

// TestIngressFollowsAliases: with Ingress routing, the worker renders one
// Ingress per deployment whose paths are exactly the canonical URLs the API
// shows — main, each alias, each warm revision's v<N> — and changes it as an
// alias is set and moved, a new revision rolls out and an old one turns
// cold; terminating removes it and the per-version Services.
func TestIngressFollowsAliases(t *testing.T) {
	s := e2e.NewStack(t, e2e.AsServiceAccounts(), e2e.WithRouting(`{"ingress": {"className": "e2e"}}`))
	const name = "routed"
	obj := s.ObjectName(ref(name))
	prefix := "/" + owner + "/" + project + "/" + name
	alias := kube.AliasServiceName(owner, project, name, "production")
	v := func(tmpl int) string { return kube.VersionServiceName(obj, tmpl) }
	began := time.Now()

	create(t, s, name, rolloutSpec("example.invalid/scorer:1.0", 1))
	waitIngress(t, s, name, map[string]string{prefix + "/predict": obj, prefix + "/v1/predict": v(1)})
	t.Logf("METRIC ingress_created=%s", since(began))

	setAlias(t, s, name, "production", 1)
	waitIngress(t, s, name, map[string]string{prefix + "/predict": obj, prefix + "/v1/predict": v(1), prefix + "/production/predict": alias})

	op := finish(t, s, patch(t, s, name, map[string]any{"spec": map[string]any{"image": "example.invalid/scorer:2.0"}}, opWait))
	if op.Status != "succeeded" || op.Revision != 2 {
		t.Fatalf("update: %+v", op)
	}
	// v1 stays: production still serves it.
	waitIngress(t, s, name, map[string]string{prefix + "/predict": obj, prefix + "/v1/predict": v(1), prefix + "/v2/predict": v(2),
		prefix + "/production/predict": alias})

	began = time.Now()
	setAlias(t, s, name, "production", 2)
	// v1 is cold now: no per-version path, no Service.
	waitIngress(t, s, name, map[string]string{prefix + "/predict": obj, prefix + "/v2/predict": v(2), prefix + "/production/predict": alias})
	t.Logf("METRIC ingress_alias_move=%s", since(began))
	svc, err := s.Plane.Client().CoreV1().Services(s.Namespace).Get(t.Context(), alias, metav1.GetOptions{})
	if err != nil || svc.Spec.Selector[kube.LabelRevision] != "2" {
		t.Fatalf("alias service: %v %v", err, svc.Spec.Selector)
	}
	waitServices(t, s, name, []string{v(2)})
	ing, err := s.Plane.Client().NetworkingV1().Ingresses(s.Namespace).Get(t.Context(), obj, metav1.GetOptions{})
	if err != nil || ing.Spec.IngressClassName == nil || *ing.Spec.IngressClassName != "e2e" || ing.Spec.Rules[0].Host != "local.test" {
		t.Fatalf("ingress class and host: %v %+v", err, ing.Spec)
	}
	pollHistory(t, s, name, 30*time.Second, "routing recorded", func(recs []bus.Record) bool {
		return slices.Contains(typesOf(recs), typeRoutingChanged)
	})

	r := s.API.Do(t, http.MethodDelete, deploymentsPath()+"/"+name+"?wait="+opWait, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("terminate: %d %s", r.Status, r.Body)
	}
	waitIngress(t, s, name, map[string]string{})
	waitServices(t, s, name, nil)
}

// TestHTTPRouteOnTheAPIServer: with Gateway API routing, on a cluster that
// serves HTTPRoutes (the Gateway API's standard CRDs installed here, so the
// real schema and its CEL rules judge it), the worker server-side-applies
// an HTTPRoute the API server accepts, attached to the named Gateway, each
// path rewritten to its endpoint, following aliases.
func TestHTTPRouteOnTheAPIServer(t *testing.T) {
	s := e2e.NewStack(t, e2e.AsServiceAccounts(), e2e.WithRouting(`{"gateway": {"name": "public"}}`))
	dyn, err := dynamic.NewForConfig(s.Plane.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	gatewayapi.InstallT(t, s.Plane.RESTConfig())
	const name = "gatewayed"
	obj := s.ObjectName(ref(name))
	prefix := "/" + owner + "/" + project + "/" + name
	create(t, s, name, rolloutSpec("example.invalid/scorer:1.0", 1))
	setAlias(t, s, name, "staging", 1)
	want := map[string]string{prefix + "/predict": obj, prefix + "/v1/predict": kube.VersionServiceName(obj, 1),
		prefix + "/staging/predict": kube.AliasServiceName(owner, project, name, "staging")}
	var route *unstructured.Unstructured
	poll(t, 60*time.Second, "HTTPRoute paths", func() (bool, string) {
		route, err = dyn.Resource(httpRoutes).Namespace(s.Namespace).Get(t.Context(), obj, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		got := routePaths(route)
		return maps.Equal(got, want), fmt.Sprint(got)
	})
	parents, _, _ := unstructured.NestedSlice(route.Object, "spec", "parentRefs")
	if len(parents) != 1 || parents[0].(map[string]any)["name"] != "public" || parents[0].(map[string]any)["namespace"] != s.Namespace {
		t.Fatalf("parentRefs %v", parents)
	}
	if !strings.Contains(fmt.Sprint(route.Object["spec"]), "replacePrefixMatch:/predict") {
		t.Fatalf("no rewrite to the endpoint's path: %v", route.Object["spec"])
	}
}

// canaryRouteGolden is the rollout worker's golden HTTPRoute of a canary
// step (manifest.TestCanaryHTTPRouteGolden); the renderer is internal to
// the worker, so its pinned output is what is checked here.
const canaryRouteGolden = "../../services/rollout-worker/internal/manifest/testdata/httproute-canary.golden.json"

// TestHTTPRouteSplitOnTheAPIServer: the HTTPRoute the worker renders for a
// canary step (main paths weighted 90/10 between the stable and the new
// revision's per-version Services, mirrored at 25% to the new one) is
// accepted by the Gateway API's standard CRDs and reads back with those
// weights and that mirror; the server defaults the weight of the other
// rules' single backend to 1 and refuses a mirror percent above 100 and a
// percent with a fraction (a CEL rule), which a stand-in CRD would not.
func TestHTTPRouteSplitOnTheAPIServer(t *testing.T) {
	plane := kubeplane.Shared(t)
	ns := kubeplane.Namespace(t)
	gatewayapi.InstallT(t, plane.RESTConfig())
	dyn, err := dynamic.NewForConfig(plane.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(canaryRouteGolden)
	if err != nil {
		t.Fatal(err)
	}
	route := &unstructured.Unstructured{}
	if err := route.UnmarshalJSON(raw); err != nil {
		t.Fatal(err)
	}
	route.SetNamespace(ns)
	routes := dyn.Resource(httpRoutes).Namespace(ns)
	if _, err := routes.Create(t.Context(), route, metav1.CreateOptions{}); err != nil {
		t.Fatalf("canary HTTPRoute refused: %v", err)
	}
	got, err := routes.Get(t.Context(), route.GetName(), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	obj := route.GetName() // the deployment's object name: its first HTTPRoute is named so
	split := fmt.Sprintf("[%s=90 %s=10] mirror %s=25", kube.VersionServiceName(obj, 3), kube.VersionServiceName(obj, 5),
		kube.VersionServiceName(obj, 5))
	rules, _, _ := unstructured.NestedSlice(got.Object, "spec", "rules")
	var seen []string
	for _, r := range rules {
		seen = append(seen, ruleTraffic(r.(map[string]any)))
	}
	if len(seen) < 3 || seen[0] != split || seen[1] != split || !strings.HasSuffix(seen[2], "=1]") {
		t.Fatalf("rules read back as %q; want the two main rules %q, then single backends of weight 1", seen, split)
	}

	for name, mutate := range map[string]func(mirror map[string]any){
		"percent above 100":     func(m map[string]any) { m["percent"] = int64(101) },
		"percent with fraction": func(m map[string]any) { m["fraction"] = map[string]any{"numerator": int64(1)} },
	} {
		bad := route.DeepCopy()
		bad.SetName(route.GetName() + "-bad")
		rules, _, _ := unstructured.NestedSlice(bad.Object, "spec", "rules")
		filters := rules[0].(map[string]any)["filters"].([]any)
		mutate(filters[len(filters)-1].(map[string]any)["requestMirror"].(map[string]any))
		_ = unstructured.SetNestedSlice(bad.Object, rules, "spec", "rules")
		if _, err := routes.Create(t.Context(), bad, metav1.CreateOptions{}); !apierrors.IsInvalid(err) {
			t.Errorf("mirror %s: want the schema to refuse it, got %v", name, err)
		}
	}
}

// ruleTraffic describes a rule's backends and mirror as
// "[service=weight ...] mirror service=percent".
func ruleTraffic(rule map[string]any) string {
	var backends []string
	refs, _ := rule["backendRefs"].([]any)
	for _, b := range refs {
		ref := b.(map[string]any)
		backends = append(backends, fmt.Sprintf("%s=%v", ref["name"], ref["weight"]))
	}
	out := "[" + strings.Join(backends, " ") + "]"
	filters, _ := rule["filters"].([]any)
	for _, f := range filters {
		if m, ok := f.(map[string]any)["requestMirror"].(map[string]any); ok {
			out += fmt.Sprintf(" mirror %s=%v", m["backendRef"].(map[string]any)["name"], m["percent"])
		}
	}
	return out
}

var httpRoutes = schema.GroupVersionResource{Group: "gateway.networking.k8s.io", Version: "v1", Resource: "httproutes"}

func routePaths(route *unstructured.Unstructured) map[string]string {
	out := map[string]string{}
	rules, _, _ := unstructured.NestedSlice(route.Object, "spec", "rules")
	for _, r := range rules {
		rule := r.(map[string]any)
		matches, _ := rule["matches"].([]any)
		backends, _ := rule["backendRefs"].([]any)
		if len(matches) != 1 || len(backends) != 1 {
			continue
		}
		path, _, _ := unstructured.NestedString(matches[0].(map[string]any), "path", "value")
		out[path], _ = backends[0].(map[string]any)["name"].(string)
	}
	return out
}

// waitIngress waits until the deployment's Ingresses route exactly want
// (path -> Service).
func waitIngress(t *testing.T, s *e2e.Stack, name string, want map[string]string) {
	t.Helper()
	sel := kube.LabelRouteOf + "=" + name
	poll(t, 60*time.Second, "ingress paths", func() (bool, string) {
		list, err := s.Plane.Client().NetworkingV1().Ingresses(s.Namespace).List(t.Context(), metav1.ListOptions{LabelSelector: sel})
		if err != nil {
			return false, err.Error()
		}
		got := map[string]string{}
		for _, ing := range list.Items {
			for _, rule := range ing.Spec.Rules {
				for _, p := range rule.HTTP.Paths {
					got[p.Path] = p.Backend.Service.Name
				}
			}
		}
		return maps.Equal(got, want), fmt.Sprint(got)
	})
}

// waitServices waits until the deployment's per-version Services are want.
func waitServices(t *testing.T, s *e2e.Stack, name string, want []string) {
	t.Helper()
	sel := kube.LabelRouteOf + "=" + name
	poll(t, 60*time.Second, "version services", func() (bool, string) {
		list, err := s.Plane.Client().CoreV1().Services(s.Namespace).List(t.Context(), metav1.ListOptions{LabelSelector: sel})
		if err != nil {
			return false, err.Error()
		}
		var got []string
		for _, svc := range list.Items {
			got = append(got, svc.Name)
		}
		slices.Sort(got)
		return slices.Equal(got, want), fmt.Sprint(got)
	})
}

// poll checks cond every 200ms until it holds or timeout passes; cond also
// says what it saw, for the failure message.
func poll(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	var last string
	for {
		ok, seen := cond()
		if ok {
			return
		}
		last = seen
		select {
		case <-ctx.Done():
			t.Fatalf("%s not as expected within %s; last seen: %s", what, timeout, last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// TestRoutingFollowsTheWorkersConfiguration: the routing of a target from
// the workers' configuration changes (another ingress class) while a worker
// restarts; the deployment's Ingress is rendered again with the new class,
// with no change to the deployment itself. (The restarted worker sees the
// published setting change; the drift check would find the deployment
// rendered with the old setting otherwise: TestDriftCheckRendersStaleRoutingAgain.)
func TestRoutingFollowsTheWorkersConfiguration(t *testing.T) {
	s := e2e.NewStack(t, e2e.AsServiceAccounts(), e2e.WithRouting(`{"ingress": {"className": "e2e"}}`))
	const name = "reclassed"
	obj := s.ObjectName(ref(name))
	prefix := "/" + owner + "/" + project + "/" + name
	create(t, s, name, rolloutSpec("example.invalid/scorer:1.0", 1))
	waitIngress(t, s, name, map[string]string{prefix + "/predict": obj, prefix + "/v1/predict": kube.VersionServiceName(obj, 1)})

	s.Kill(s.Workers[0])
	s.SetRouting(`{"ingress": {"className": "e2e-next"}}`)
	began := time.Now()
	s.StartWorker()
	poll(t, 60*time.Second, "the Ingress with the new class", func() (bool, string) {
		ing, err := s.Plane.Client().NetworkingV1().Ingresses(s.Namespace).Get(t.Context(), obj, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		class := ""
		if ing.Spec.IngressClassName != nil {
			class = *ing.Spec.IngressClassName
		}
		return class == "e2e-next", "class " + class
	})
	t.Logf("METRIC rerendered_after_restart=%s (drift interval %s)", since(began), e2e.DriftInterval)
	if d := getDeployment(t, s, name); d.Revision != 1 {
		t.Fatalf("re-rendering the routes made revision %d", d.Revision)
	}
}
