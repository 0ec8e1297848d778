package install

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/yaml"
)

// Paths of the installation files, relative to the repository root.
const (
	KustomizeDir = "deployments"
	ChartDir     = "deployments/helm/slipway"
	ComposeFile  = "docker-compose.yaml"
)

// Kustomize returns the objects `kustomize build deployments` yields, in
// its order.
func Kustomize(t testing.TB) []*unstructured.Unstructured {
	t.Helper()
	out, err := run(t, "kustomize", KustomizeDir)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, out)
}

// HelmTemplate returns the objects of `helm template slipway
// deployments/helm/slipway -n namespace --set V...`, in Helm's install order.
func HelmTemplate(t testing.TB, namespace string, sets ...string) []*unstructured.Unstructured {
	t.Helper()
	out, err := HelmTemplateErr(t, namespace, sets...)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, out)
}

// HelmTemplateErr is HelmTemplate returning the rendered YAML, or the
// error a chart's `required` or a template failure gives.
func HelmTemplateErr(t testing.TB, namespace string, sets ...string) ([]byte, error) {
	t.Helper()
	args := []string{"template", ChartDir, "-n", namespace}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	return run(t, args...)
}

// HelmLint runs `helm lint --strict` on the chart with the values sets and
// returns its error (nil when it found nothing of warning severity or above).
func HelmLint(t testing.TB, sets ...string) error {
	t.Helper()
	args := []string{"lint", ChartDir}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	_, err := run(t, args...)
	return err
}

// decode splits multi-document YAML into objects, skipping empty documents.
func decode(t testing.TB, data []byte) []*unstructured.Unstructured {
	t.Helper()
	objs, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// Decode splits multi-document YAML into objects, skipping empty documents;
// a document without apiVersion, kind or name is an error.
func Decode(data []byte) ([]*unstructured.Unstructured, error) {
	dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objs []*unstructured.Unstructured
	for i := 1; ; i++ {
		var m map[string]any
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return objs, nil
		} else if err != nil {
			return nil, fmt.Errorf("install: document %d: %w", i, err)
		}
		if len(m) == 0 {
			continue
		}
		u := &unstructured.Unstructured{Object: m}
		if u.GetAPIVersion() == "" || u.GetKind() == "" || u.GetName() == "" {
			return nil, fmt.Errorf("install: document %d: apiVersion, kind and metadata.name are required", i)
		}
		objs = append(objs, u)
	}
}

// Key names an object: kind, namespace (empty when cluster-scoped) and name.
func Key(u *unstructured.Unstructured) string {
	return u.GetKind() + " " + u.GetNamespace() + "/" + u.GetName()
}

// HelmInstall runs `helm install slipway deployments/helm/slipway -n
// namespace --set V...` (with --take-ownership when adopt is set) against
// the cluster of kubeconfig, without waiting, and returns Helm's summary
// ("slipway deployed 1").
func HelmInstall(t testing.TB, kubeconfig, namespace string, adopt bool, sets ...string) (string, error) {
	t.Helper()
	args := []string{"helm-install", ChartDir, "--kubeconfig", kubeconfig, "-n", namespace}
	if adopt {
		args = append(args, "--take-ownership")
	}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	out, err := run(t, args...)
	return string(bytes.TrimSpace(out)), err
}
