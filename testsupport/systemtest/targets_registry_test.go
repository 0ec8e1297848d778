package systemtest

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/cmd/slipway/devstack"
	"slipway.dev/pkg/events"
	"slipway.dev/testsupport/apitest"
)

// kubeconfigFor is a kubeconfig whose cluster is server, with a token that
// must never show in any answer.
func kubeconfigFor(server string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: %q}}]
users: [{name: u, user: {token: "tok-must-not-leak"}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`, server)
}

func writeKubeconfig(t *testing.T, server string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, []byte(kubeconfigFor(server)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func registration(baseURL string, conn map[string]any) map[string]any {
	return map[string]any{"region": "eu-west-1", "namespace": "models", "baseURL": baseURL,
		"instanceTypes": map[string]any{"cpu-small": map[string]any{"cpu": "500m", "memory": "1Gi"}},
		"connection":    conn}
}

type targetView struct {
	events.TargetRecord
}

func target(t *testing.T, api *apitest.Client, name string) (targetView, bool) {
	t.Helper()
	resp := api.Do(t, http.MethodGet, "/v1/targets/"+name, nil)
	if resp.Status == http.StatusNotFound {
		return targetView{}, false
	}
	var v targetView
	resp.Decode(t, &v)
	return v, true
}

// TestRegisteredTargets drives target registration through the API:
// register (kubeconfig file, kubeconfig Secret, an unreachable server),
// list, describe, deploy to a registered target while another is
// unreachable, refuse bad input and removals that would orphan deployments,
// replace and remove.
func TestRegisteredTargets(t *testing.T) {
	t.Parallel()
	o := devstackOptions()
	o.TargetTimeout, o.TargetCheckInterval = 3*time.Second, 300*time.Millisecond
	s, api := start(t, o)
	waitForTargets(t, api)

	// Bad input names the field and writes nothing.
	commands, _ := streamCounts(t, s.NATSURL)
	bad := registration("models.example", map[string]any{"inCluster": true, "kubeconfigFile": "relative"})
	bad["namespace"] = ""
	bad["routing"] = map[string]any{"gateway": map[string]any{"namespace": "gw"}, "ingress": map[string]any{"rewrite": "traefik", "canary": "traefik"}}
	bad["prometheusURL"] = "https://ada:secret@prometheus.example"
	p := api.Do(t, http.MethodPut, "/v1/targets/far", bad).ExpectProblem(t, http.StatusBadRequest)
	for _, f := range []string{"namespace", "baseURL", "connection", "connection.kubeconfigFile", "routing.gateway.name", "routing.ingress.rewrite",
		"routing.ingress.canary", "prometheusURL"} {
		if !p.HasField(f) {
			t.Errorf("the problem does not name %s: %+v", f, p.Errors)
		}
	}
	if p := api.Do(t, http.MethodPut, "/v1/targets/Far_Away", registration("https://x.example", map[string]any{"inCluster": true})).
		ExpectProblem(t, http.StatusBadRequest); !p.HasField("target") {
		t.Errorf("a bad target name: %+v", p.Errors)
	}
	if p := api.Do(t, http.MethodPut, "/v1/targets/far", `{"namespace":"m","token":"x"}`).
		ExpectProblem(t, http.StatusBadRequest); !p.HasField("token") {
		t.Errorf("an unknown field: %+v", p.Errors)
	}
	if p := api.Do(t, http.MethodPut, "/v1/targets/simulated", registration("https://x.example", map[string]any{"inCluster": true})).
		ExpectProblem(t, http.StatusConflict); p.Reason != events.ReasonTargetFromConfig {
		t.Errorf("replacing a configured target: %+v", p)
	}
	if after, _ := streamCounts(t, s.NATSURL); after != commands {
		t.Fatalf("refused requests wrote %d commands", after-commands)
	}

	// Register: a simulated cluster through a kubeconfig file, another
	// through a kubeconfig Secret in the stack's own cluster, and a server
	// that refuses connections.
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "slipway", Name: "third-kubeconfig"},
		Data: map[string][]byte{"config": []byte(kubeconfigFor(devstack.SimulatedScheme + "third"))}}
	if _, err := s.Target.Client.CoreV1().Secrets("slipway").Create(t.Context(), secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	secondKC := writeKubeconfig(t, devstack.SimulatedScheme+"second")
	for name, conn := range map[string]map[string]any{
		"second": {"kubeconfigFile": secondKC},
		"third":  {"kubeconfigSecret": map[string]any{"namespace": "slipway", "name": "third-kubeconfig", "key": "config"}},
		"down":   {"kubeconfigFile": writeKubeconfig(t, "https://127.0.0.1:1")},
	} {
		body := registration("https://"+name+".models.example", conn)
		if name == "second" { // routed through ingress-nginx
			body["routing"] = map[string]any{"ingress": map[string]any{"className": "nginx", "rewrite": "nginx"}}
		}
		resp := api.Do(t, http.MethodPut, "/v1/targets/"+name+"?wait=30s", body)
		op := resp.JSON(t)
		if resp.Status != http.StatusOK || op["status"] != "succeeded" || op["kind"] != "register_target" || op["target"] != name {
			t.Fatalf("register %s: %d %s", name, resp.Status, resp.Body)
		}
	}

	// List and describe: sources, connections and reachability.
	apitest.Eventually(t, 30*time.Second, "the reachability of every target", func() bool {
		var list struct{ Items []targetView }
		api.Do(t, http.MethodGet, "/v1/targets", nil).Decode(t, &list)
		got := map[string]string{}
		for _, tv := range list.Items {
			got[tv.Name] = tv.Source + "/" + tv.Status.Reachability()
		}
		return len(list.Items) == 4 && got["simulated"] == "config/reachable" && got["second"] == "api/reachable" &&
			got["third"] == "api/reachable" && got["down"] == "api/unreachable"
	})
	down, _ := target(t, api, "down")
	if down.Status.LastError == "" || down.Status.LastCheckedAt.IsZero() || strings.Contains(down.Status.LastError, "tok-must-not-leak") {
		t.Fatalf("the unreachable target's status: %+v", down.Status)
	}
	second, _ := target(t, api, "second")
	if second.Region != "eu-west-1" || second.Namespace != "models" || second.Connection == nil ||
		second.Connection.KubeconfigFile == "" || second.InstanceTypes["cpu-small"].Memory != "1Gi" || second.Status.ServerVersion == "" ||
		second.Routing.EffectiveKind() != events.RoutingIngress || second.Routing.Ingress.Rewrite != events.IngressRewriteNginx {
		t.Fatalf("describe second: %+v (status %+v)", second, second.Status)
	}

	// A deployment on the unreachable target fails with the reason, while
	// one on a registered, reachable target rolls out meanwhile.
	onDown, onSecond := createBody("on-down", 2), createBody("on-second", 2)
	onDown["target"], onSecond["target"] = "down", "second"
	downOp := api.Do(t, http.MethodPost, deploymentsPath, onDown).JSON(t)
	resp := api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", onSecond)
	if op := resp.JSON(t); resp.Status != http.StatusOK || op["status"] != "succeeded" {
		t.Fatalf("a deployment on a reachable registered target: %d %s", resp.Status, resp.Body)
	}
	sim, ok := s.SimulatedCluster("second")
	if !ok {
		t.Fatal("no simulated cluster for the registered target second")
	}
	deps, err := sim.Client().AppsV1().Deployments("models").List(t.Context(), metav1.ListOptions{})
	if err != nil || len(deps.Items) != 1 {
		t.Fatalf("Deployments on the registered cluster: %v %v", deps, err)
	}
	// The registration's routing is rendered: ingress-nginx Ingresses.
	ingressClasses := func() map[string]string {
		ings, err := sim.Client().NetworkingV1().Ingresses("models").List(t.Context(), metav1.ListOptions{})
		if err != nil {
			t.Fatalf("Ingresses on the registered cluster: %v", err)
		}
		out := map[string]string{}
		for _, ing := range ings.Items {
			out[ing.Name] = *ing.Spec.IngressClassName + "/" + ing.Annotations["nginx.ingress.kubernetes.io/rewrite-target"]
		}
		return out
	}
	apitest.Eventually(t, 10*time.Second, "ingress-nginx Ingresses on second", func() bool {
		got := ingressClasses()
		for _, v := range got {
			if !strings.HasPrefix(v, "nginx/") || strings.HasSuffix(v, "/") {
				return false
			}
		}
		return len(got) > 0
	})
	resp = api.Do(t, http.MethodGet, "/v1/operations/"+downOp["id"].(string)+"?wait=60s", nil)
	if op := resp.JSON(t); op["status"] != "failed" || op["reason"] != events.ReasonTargetUnavailable ||
		!strings.Contains(op["message"].(string), "target down unreachable") {
		t.Fatalf("a deployment on an unreachable target: %s", resp.Body)
	}

	// The fleet shows each deployment's target reachability.
	var fleet struct {
		Items []struct{ ID, Target, TargetReachability string }
	}
	api.Do(t, http.MethodGet, "/v1/deployments?project=acme/fraud", nil).Decode(t, &fleet)
	reach := map[string]string{}
	for _, d := range fleet.Items {
		reach[d.Target] = d.TargetReachability
	}
	if reach["second"] != "reachable" || reach["down"] != "unreachable" {
		t.Fatalf("fleet reachability: %+v", fleet.Items)
	}

	// Removal is refused while deployments run on the target, and for
	// configured targets; an unknown target is not found.
	if p := api.Do(t, http.MethodDelete, "/v1/targets/second", nil).ExpectProblem(t, http.StatusConflict); p.Reason != events.ReasonTargetInUse ||
		!strings.Contains(p.Detail, "acme/fraud/on-second") {
		t.Fatalf("removing a target in use: %+v", p)
	}
	if p := api.Do(t, http.MethodDelete, "/v1/targets/simulated", nil).ExpectProblem(t, http.StatusConflict); p.Reason != events.ReasonTargetFromConfig {
		t.Fatalf("removing a configured target: %+v", p)
	}
	api.Do(t, http.MethodDelete, "/v1/targets/nope", nil).ExpectProblem(t, http.StatusNotFound)

	// Replacing a registration with another routing re-renders the
	// deployments on it: one Ingress of class traefik, no rewrite.
	routed := registration("https://second.models.example", map[string]any{"kubeconfigFile": secondKC})
	routed["routing"] = map[string]any{"ingress": map[string]any{"className": "traefik"}}
	resp = api.Do(t, http.MethodPut, "/v1/targets/second?wait=30s", routed)
	if op := resp.JSON(t); op["status"] != "succeeded" || !strings.Contains(op["message"].(string), "routing") {
		t.Fatalf("replace second's routing: %s", resp.Body)
	}
	apitest.Eventually(t, 15*time.Second, "one traefik Ingress on second", func() bool {
		got := ingressClasses()
		for _, v := range got {
			if v != "traefik/" {
				return false
			}
		}
		return len(got) == 1
	})

	// Replace a registration, then remove an unused target.
	resp = api.Do(t, http.MethodPut, "/v1/targets/third?wait=30s", registration("https://third-new.models.example",
		map[string]any{"kubeconfigSecret": map[string]any{"namespace": "slipway", "name": "third-kubeconfig", "key": "config"}}))
	if op := resp.JSON(t); op["status"] != "succeeded" || !strings.Contains(op["message"].(string), "baseURL") {
		t.Fatalf("replace third: %s", resp.Body)
	}
	apitest.Eventually(t, 10*time.Second, "the new base URL", func() bool {
		tv, _ := target(t, api, "third")
		return tv.BaseURL == "https://third-new.models.example"
	})
	resp = api.Do(t, http.MethodDelete, "/v1/targets/third?wait=30s", nil)
	if op := resp.JSON(t); resp.Status != http.StatusOK || op["status"] != "succeeded" || op["kind"] != "remove_target" {
		t.Fatalf("remove third: %d %s", resp.Status, resp.Body)
	}
	apitest.Eventually(t, 10*time.Second, "third gone", func() bool { _, ok := target(t, api, "third"); return !ok })
	// A deployment can no longer name it.
	onThird := createBody("on-third", 1)
	onThird["target"] = "third"
	if p := api.Do(t, http.MethodPost, deploymentsPath, onThird).ExpectProblem(t, http.StatusBadRequest); !p.HasField("target") {
		t.Fatalf("a removed target: %+v", p)
	}
}
