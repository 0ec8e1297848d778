package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"slipway.dev/pkg/kube"
	"slipway.dev/testsupport/apitest"
	"slipway.dev/testsupport/e2e"
	"slipway.dev/testsupport/gatewayapi"
	"slipway.dev/testsupport/kubeplane"
)

// grantUse is one verb on one resource by one ServiceAccount in one of the
// Roles' namespaces ("target": the models namespace, a Stack's here;
// "target-secrets": slipway-targets).
type grantUse struct {
	account, scope, resource, verb string
}

func (g grantUse) String() string {
	return fmt.Sprintf("%s: %s %s in %s", strings.TrimPrefix(g.account, "slipway-"), g.verb, g.resource, g.scope)
}

// unexercised are grants of rbac.yaml that the scenario below does not use,
// each with the reason it is still needed.
var unexercised = func() map[grantUse]string {
	// client-go's informers stream their first list through a watch
	// (WatchListClient) where the API server serves streaming lists
	// (WatchList: on by default in 1.32 and from 1.34; the plane runs
	// 1.37), and fall back to list where it does not (1.31 and older, 1.33).
	const informerList = "an informer's first list on an API server without streaming lists (WatchList off: Kubernetes 1.31 and older, 1.33)"
	return map[grantUse]string{
		{e2e.WorkerAccount, "target", "horizontalpodautoscalers.autoscaling", "list"}: informerList,
		{e2e.MonitorAccount, "target", "deployments.apps", "list"}:                    informerList,
		{e2e.MonitorAccount, "target", "pods", "list"}:                                informerList,
		{e2e.MonitorAccount, "target", "endpointslices.discovery.k8s.io", "list"}:     informerList,
	}
}()

// TestServiceAccountsUseWhatRBACGrants drives the rollout worker and the
// health monitor, each under its own ServiceAccount, through every path
// that touches Kubernetes (a target registered with a kubeconfig Secret;
// rollouts with an HTTPRoute, an autoscaler, an alias and its pinned
// revision, moved and removed; drift reverted and a deleted Deployment
// recreated; terminated; then Ingress routing), with the plane's audit log
// on. The verbs and resources each account used (allowed or not) must
// equal what rbac.yaml grants it: a use never granted, or a grant never
// used (unless listed in unexercised with its reason), fails. Then each
// rule of each Role is removed in turn and a SubjectAccessReview of the
// recorded uses must be denied for at least one of them: no rule is
// redundant. (SubjectAccessReviews, not a scenario per rule: ten
// scenarios would take minutes.)
func TestServiceAccountsUseWhatRBACGrants(t *testing.T) {
	began := time.Now()
	plane := kubeplane.Shared(t)
	gatewayapi.InstallT(t, plane.RESTConfig())
	s := e2e.NewStack(t, e2e.AsServiceAccounts(), e2e.WithRouting(`{"gateway": {"name": "public"}}`))
	exerciseTargets(t, s)
	exerciseRollouts(t, s)
	ing := e2e.NewStack(t, e2e.AsServiceAccounts(), e2e.WithRouting(`{"ingress": {"className": "e2e"}}`))
	create(t, ing, "ingressed", rolloutSpec("example.invalid/scorer:1.0", 1))
	prefix, obj := "/"+owner+"/"+project+"/ingressed", ing.ObjectName(ref("ingressed"))
	waitIngress(t, ing, "ingressed", map[string]string{prefix + "/predict": obj, prefix + "/v1/predict": kube.VersionServiceName(obj, 1)})
	terminate(t, ing, "ingressed")
	waitIngress(t, ing, "ingressed", map[string]string{})
	t.Logf("METRIC rbac_scenario=%s", since(began))

	objs := e2e.InstallBase(t)
	granted := grants(objs)
	used := uses(t, plane.AuditLogPath(), began, map[string]string{s.Namespace: "target", ing.Namespace: "target",
		e2e.TargetSecretsNamespace: "target-secrets"})
	for _, g := range sortedUses(used) {
		t.Logf("used: %s", g)
		if !granted[g] {
			t.Errorf("used but not granted by rbac.yaml: %s", g)
		}
	}
	for _, g := range sortedUses(granted) {
		if used[g] {
			continue
		}
		if reason, ok := unexercised[g]; ok {
			t.Logf("granted, not used here: %s (%s)", g, reason)
			continue
		}
		t.Errorf("granted by rbac.yaml but never used: %s", g)
	}
	if t.Failed() {
		return
	}
	eachRuleIsNeeded(t, objs, used, map[string]string{"target": s.Namespace, "target-secrets": e2e.TargetSecretsNamespace})
	t.Logf("METRIC rbac_total=%s", since(began))
}

// exerciseTargets registers a target reached through a kubeconfig Secret
// in slipway-targets, which the worker and the monitor read with their own
// accounts, and waits until the workers report it reachable.
func exerciseTargets(t *testing.T, s *e2e.Stack) {
	t.Helper()
	kc, err := clientcmd.Write(*adminKubeconfig(t, s))
	if err != nil {
		t.Fatal(err)
	}
	name := "registered-" + s.Namespace
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: e2e.TargetSecretsNamespace, Name: name},
		Data: map[string][]byte{"config": kc}}
	secrets := s.Plane.Client().CoreV1().Secrets(e2e.TargetSecretsNamespace)
	if _, err := secrets.Create(t.Context(), secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = secrets.Delete(context.Background(), name, metav1.DeleteOptions{}) })
	body := map[string]any{"region": "local", "namespace": s.Namespace, "baseURL": "https://registered.example",
		"instanceTypes": map[string]any{"cpu-small": map[string]any{"cpu": "500m", "memory": "1Gi"}},
		"connection":    map[string]any{"kubeconfigSecret": map[string]any{"namespace": e2e.TargetSecretsNamespace, "name": name, "key": "config"}}}
	r := s.API.Do(t, http.MethodPut, "/v1/targets/registered?wait="+opWait, body)
	if r.Status != http.StatusOK || r.JSON(t)["status"] != "succeeded" {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	apitest.Eventually(t, 60*time.Second, "the registered target reachable", func() bool {
		var tv struct {
			Status struct {
				Reachable *bool `json:"reachable"`
			} `json:"status"`
		}
		s.API.Do(t, http.MethodGet, "/v1/targets/registered", nil).Decode(t, &tv)
		return tv.Status.Reachable != nil && *tv.Status.Reachable
	})
}

// adminKubeconfig is a kubeconfig of the plane's admin (what a registered
// target's Secret would hold: the credentials of another cluster).
func adminKubeconfig(t *testing.T, s *e2e.Stack) *clientcmdapi.Config {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(s.Plane.KubeconfigPath())
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// exerciseRollouts runs one deployment through everything the worker does
// in its target.
func exerciseRollouts(t *testing.T, s *e2e.Stack) {
	t.Helper()
	const name = "audited"
	cs, obj := s.Plane.Client(), s.ObjectName(ref(name))
	update := func(step string, spec map[string]any) {
		t.Helper()
		if op := finish(t, s, patch(t, s, name, map[string]any{"spec": spec}, opWait)); op.Status != "succeeded" {
			t.Fatalf("%s: %+v", step, op)
		}
	}
	create(t, s, name, map[string]any{"image": "example.invalid/audited:1.0", "scaling": map[string]any{"min": 1, "max": 2}})
	setAlias(t, s, name, "staging", 1)
	update("new image", map[string]any{"image": "example.invalid/audited:2.0"})
	setAlias(t, s, name, "staging", 2)
	update("fixed count", map[string]any{"scaling": nil, "replicas": 1})
	r := s.API.Do(t, http.MethodDelete, deploymentsPath()+"/"+name+"/aliases/staging?wait="+opWait, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("delete alias: %d %s", r.Status, r.Body)
	}
	setImage(t, cs, s.Namespace, obj, "example.invalid/hotfix:6.6.6")
	pollDeployment(t, s, name, 90*time.Second, "drift reverted", func(d deploymentView) bool {
		dep, err := cs.AppsV1().Deployments(s.Namespace).Get(t.Context(), obj, metav1.GetOptions{})
		return d.hasDrift() && err == nil && containerImage(dep) == "example.invalid/audited:2.0"
	})
	background := metav1.DeletePropagationBackground
	if err := cs.AppsV1().Deployments(s.Namespace).Delete(t.Context(), obj, metav1.DeleteOptions{PropagationPolicy: &background}); err != nil {
		t.Fatal(err)
	}
	poll(t, 90*time.Second, "deleted Deployment recreated", func() (bool, string) {
		_, err := cs.AppsV1().Deployments(s.Namespace).Get(t.Context(), obj, metav1.GetOptions{})
		return err == nil, errString(err)
	})
	if err := cs.CoreV1().Services(s.Namespace).Delete(t.Context(), obj, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, 90*time.Second, "deleted Service recreated", func() (bool, string) {
		_, err := cs.CoreV1().Services(s.Namespace).Get(t.Context(), obj, metav1.GetOptions{})
		return err == nil, errString(err)
	})
	terminate(t, s, name)
}

func terminate(t *testing.T, s *e2e.Stack, name string) {
	t.Helper()
	r := s.API.Do(t, http.MethodDelete, deploymentsPath()+"/"+name+"?wait="+opWait, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("terminate %s: %d %s", name, r.Status, r.Body)
	}
}
