package install_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"slipway.dev/testsupport/install"
)

// TestChartMatchesKustomize: with its default values, installed in
// namespace slipway, the chart renders the objects of the kustomize base,
// each the same as kustomize builds it (every field, labels included).
func TestChartMatchesKustomize(t *testing.T) {
	base := byKey(install.Kustomize(t))
	chart := byKey(install.HelmTemplate(t, "slipway"))
	for k, want := range base {
		got, ok := chart[k]
		if !ok {
			t.Errorf("the chart has no %s", k)
			continue
		}
		if !reflect.DeepEqual(got.Object, want.Object) {
			t.Errorf("%s differs from the kustomize base:\n%s", k, diff(want.Object, got.Object, ""))
		}
	}
	for k := range chart {
		if _, ok := base[k]; !ok {
			t.Errorf("the chart has %s, which the kustomize base does not", k)
		}
	}
	if len(base) == 0 {
		t.Fatal("the kustomize base is empty")
	}
}

// TestChartLint: helm lint --strict finds nothing with the default values
// nor with every value set.
func TestChartLint(t *testing.T) {
	for name, sets := range map[string][]string{"defaults": nil, "all values": allValues} {
		t.Run(name, func(t *testing.T) {
			if err := install.HelmLint(t, sets...); err != nil {
				t.Error(err)
			}
		})
	}
}

// allValues sets every value the chart documents.
var allValues = []string{
	"image.registry=registry.example.com/ml/", "image.tag=v1.2.3", "image.pullPolicy=Always",
	"nats.url=nats://nats.messaging.svc:4222", "streamReplicas=3", "otlpEndpoint=http://otel:4318",
	"mongodb.database=prod", "mongodb.uriSecret.name=mongo", "mongodb.uriSecret.key=connection",
	"adminTokenSecret.name=bootstrap", "adminTokenSecret.key=admin",
	"webhookKeysSecret.name=sealing", "webhookKeysSecret.key=k",
	"oidc.issuer=https://login.example.com", "oidc.audience=slipway", "oidc.jwksURL=https://login.example.com/keys",
	"oidc.usernameClaim=email", "oidc.groupsClaim=groups", "oidc.policy=bindings: []",
	"targets.namespace=ml", `targets.file=[{"name":"prod"\,"namespace":"ml"\,"baseURL":"https://ml.example.com"\,"inCluster":true}]`,
	"targetSecrets.namespace=kubeconfigs",
	"api.replicas=3", "rolloutWorker.replicas=4", "rolloutWorker.maxRollouts=8", "healthMonitor.replicas=2",
	"healthMonitor.window=2/3", "promoter.replicas=2",
	"api.resources.limits.memory=1Gi", "rolloutWorker.resources.requests.cpu=250m",
	"healthMonitor.resources.limits.cpu=2", "promoter.resources.requests.memory=96Mi",
}

// TestChartValues: each value changes what it says and nothing else
// refers to the old setting.
func TestChartValues(t *testing.T) {
	objs := byKey(install.HelmTemplate(t, "ml-system", allValues...))
	get := func(key string) *unstructured.Unstructured {
		t.Helper()
		o, ok := objs[key]
		if !ok {
			t.Fatalf("no %s among %v", key, keys(objs))
		}
		return o
	}
	tests := []struct {
		key, path string
		want      any
	}{
		{"Deployment ml-system/slipway-api", "spec.template.spec.containers.0.image", "registry.example.com/ml/slipway-api:v1.2.3"},
		{"Deployment ml-system/slipway-promoter", "spec.template.spec.containers.0.image", "registry.example.com/ml/slipway-promoter:v1.2.3"},
		{"Deployment ml-system/slipway-rollout-worker", "spec.template.spec.containers.0.imagePullPolicy", "Always"},
		{"Deployment ml-system/slipway-api", "spec.replicas", int64(3)},
		{"Deployment ml-system/slipway-rollout-worker", "spec.replicas", int64(4)},
		{"Deployment ml-system/slipway-health-monitor", "spec.replicas", int64(2)},
		{"Deployment ml-system/slipway-promoter", "spec.replicas", int64(2)},
		{"Deployment ml-system/slipway-api", "spec.template.spec.containers.0.resources.limits.memory", "1Gi"},
		{"Deployment ml-system/slipway-api", "spec.template.spec.containers.0.resources.requests.cpu", "100m"},
		{"Deployment ml-system/slipway-rollout-worker", "spec.template.spec.containers.0.resources.requests.cpu", "250m"},
		{"Deployment ml-system/slipway-health-monitor", "spec.template.spec.containers.0.resources.limits.cpu", int64(2)},
		{"Deployment ml-system/slipway-promoter", "spec.template.spec.containers.0.resources.requests.memory", "96Mi"},
		{"ConfigMap ml-system/slipway-config", "data.SLIPWAY_NATS_URL", "nats://nats.messaging.svc:4222"},
		{"ConfigMap ml-system/slipway-config", "data.SLIPWAY_STREAM_REPLICAS", "3"},
		{"ConfigMap ml-system/slipway-config", "data.OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel:4318"},
		{"ConfigMap ml-system/slipway-targets", "data.targets\\.json", `[{"name":"prod","namespace":"ml","baseURL":"https://ml.example.com","inCluster":true}]` + "\n"},
		{"ConfigMap ml-system/slipway-auth-policy", "data.policy\\.yaml", "bindings: []\n"},
		{"Deployment ml-system/slipway-api", "spec.template.spec.volumes.0.secret.secretName", "bootstrap"},
		{"Deployment ml-system/slipway-api", "spec.template.spec.volumes.1.secret.secretName", "sealing"},
		{"Deployment ml-system/slipway-api", "spec.template.spec.volumes.2.configMap.name", "slipway-auth-policy"},
		{"Role ml/slipway-rollout-worker", "metadata.namespace", "ml"},
		{"RoleBinding ml/slipway-health-monitor", "subjects.0.namespace", "ml-system"},
		{"Role kubeconfigs/slipway-target-kubeconfigs", "rules.0.resources.0", "secrets"},
		{"Namespace /ml-system", "metadata.labels.pod-security\\.kubernetes\\.io/warn", "restricted"},
	}
	for _, tt := range tests {
		t.Run(tt.key+" "+tt.path, func(t *testing.T) {
			got, err := field(get(tt.key).Object, tt.path)
			if err != nil || fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("%s = %#v (%v), want %#v", tt.path, got, err, tt.want)
			}
		})
	}
	env := envOf(get("Deployment ml-system/slipway-api"))
	for k, want := range map[string]string{
		"SLIPWAY_MONGO_DB": "prod", "SLIPWAY_MONGO_URI": "secret mongo/connection",
		"SLIPWAY_AUTH_ADMIN_TOKEN_FILE": "/etc/slipway/auth/admin", "SLIPWAY_WEBHOOK_KEY_FILE": "/etc/slipway/webhooks/k",
		"SLIPWAY_OIDC_ISSUER": "https://login.example.com", "SLIPWAY_OIDC_AUDIENCE": "slipway",
		"SLIPWAY_OIDC_JWKS_URL": "https://login.example.com/keys", "SLIPWAY_OIDC_USERNAME_CLAIM": "email",
		"SLIPWAY_OIDC_GROUPS_CLAIM": "groups", "SLIPWAY_AUTH_POLICY_FILE": "/etc/slipway/policy/policy.yaml",
	} {
		if env[k] != want {
			t.Errorf("api: %s = %q, want %q", k, env[k], want)
		}
	}
	if got := envOf(get("Deployment ml-system/slipway-rollout-worker"))["SLIPWAY_MAX_ROLLOUTS"]; got != "8" {
		t.Errorf("worker: SLIPWAY_MAX_ROLLOUTS = %q", got)
	}
	if got := envOf(get("Deployment ml-system/slipway-health-monitor"))["SLIPWAY_HEALTH_WINDOW"]; got != "2/3" {
		t.Errorf("monitor: SLIPWAY_HEALTH_WINDOW = %q", got)
	}
	// The old names are gone: nothing left in models or slipway-targets.
	for k := range objs {
		if strings.Contains(k, " models/") || strings.Contains(k, "slipway-targets/") || strings.Contains(k, " slipway/") {
			t.Errorf("%s still uses a default namespace", k)
		}
	}
}

// TestChartWithoutNamespaces: createNamespaces=false leaves the namespaces
// out (an installation into existing ones) and nothing else.
func TestChartWithoutNamespaces(t *testing.T) {
	all := byKey(install.HelmTemplate(t, "slipway"))
	without := byKey(install.HelmTemplate(t, "slipway", "createNamespaces=false"))
	for k := range all {
		_, kept := without[k]
		if ns := strings.HasPrefix(k, "Namespace "); ns == kept {
			t.Errorf("%s: kept %t with createNamespaces=false", k, kept)
		}
	}
}

// TestChartRequiredValues: a value the services cannot run without, set
// empty, fails the render naming it; so does a chart giving the api no way
// to authenticate callers, while OIDC alone is enough.
func TestChartRequiredValues(t *testing.T) {
	for _, v := range []string{"nats.url", "mongodb.database", "mongodb.uriSecret.name", "webhookKeysSecret.name", "targets.file"} {
		t.Run(v, func(t *testing.T) {
			_, err := install.HelmTemplateErr(t, "slipway", v+"=")
			if !errors.Is(err, install.ErrTool) || !strings.Contains(err.Error(), v+" is required") {
				t.Errorf("render with %s empty: %v", v, err)
			}
		})
	}
	_, err := install.HelmTemplateErr(t, "slipway", "adminTokenSecret.name=")
	if err == nil || !strings.Contains(err.Error(), "adminTokenSecret.name or oidc.issuer is required") {
		t.Errorf("render without an admin token or OIDC: %v", err)
	}
	if _, err := install.HelmTemplateErr(t, "slipway", "adminTokenSecret.name=", "oidc.issuer=https://login.example.com"); err != nil {
		t.Errorf("render with OIDC alone: %v", err)
	}
}

func byKey(objs []*unstructured.Unstructured) map[string]*unstructured.Unstructured {
	m := map[string]*unstructured.Unstructured{}
	for _, o := range objs {
		m[install.Key(o)] = o
	}
	return m
}

func keys(m map[string]*unstructured.Unstructured) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// field follows a dotted path (numbers index lists; "\." is a literal dot).
func field(obj any, path string) (any, error) {
	parts := strings.Split(strings.ReplaceAll(path, `\.`, "\x00"), ".")
	cur := obj
	for _, p := range parts {
		p = strings.ReplaceAll(p, "\x00", ".")
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[p]
			if !ok {
				return nil, fmt.Errorf("no %q", p)
			}
			cur = v
		case []any:
			var i int
			if _, err := fmt.Sscan(p, &i); err != nil || i >= len(c) {
				return nil, fmt.Errorf("no index %q", p)
			}
			cur = c[i]
		default:
			return nil, fmt.Errorf("%q under a scalar", p)
		}
	}
	return cur, nil
}

// envOf returns the first container's environment; a value from a Secret
// reads "secret NAME/KEY".
func envOf(dep *unstructured.Unstructured) map[string]string {
	env := map[string]string{}
	containers, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "containers")
	if len(containers) == 0 {
		return env
	}
	list, _, _ := unstructured.NestedSlice(containers[0].(map[string]any), "env")
	for _, e := range list {
		m := e.(map[string]any)
		name, _ := m["name"].(string)
		if v, ok := m["value"].(string); ok {
			env[name] = v
		} else if ref, ok, _ := unstructured.NestedMap(m, "valueFrom", "secretKeyRef"); ok {
			env[name] = fmt.Sprintf("secret %v/%v", ref["name"], ref["key"])
		}
	}
	return env
}

// diff lists the paths where two decoded objects differ.
func diff(want, got any, at string) string {
	wm, wok := want.(map[string]any)
	gm, gok := got.(map[string]any)
	if wok && gok {
		var b strings.Builder
		for k := range wm {
			b.WriteString(diff(wm[k], gm[k], at+"."+k))
		}
		for k := range gm {
			if _, ok := wm[k]; !ok {
				fmt.Fprintf(&b, "  %s.%s: unexpected %v\n", at, k, gm[k])
			}
		}
		return b.String()
	}
	wl, wok := want.([]any)
	gl, gok := got.([]any)
	if wok && gok && len(wl) == len(gl) {
		var b strings.Builder
		for i := range wl {
			b.WriteString(diff(wl[i], gl[i], fmt.Sprintf("%s.%d", at, i)))
		}
		return b.String()
	}
	if reflect.DeepEqual(want, got) {
		return ""
	}
	return fmt.Sprintf("  %s: kustomize %v, chart %v\n", at, want, got)
}
