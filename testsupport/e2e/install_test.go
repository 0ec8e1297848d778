package e2e_test

import (
	"context"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"slipway.dev/testsupport/e2e"
	"slipway.dev/testsupport/install"
	"slipway.dev/testsupport/kubeplane"
)

// podsLimit bounds the wait for an installation's pods on the fake node.
const podsLimit = 60 * time.Second

// TestInstallKustomizeOnTheAPIServer: the kustomize base (deployments/, as
// `kubectl apply -k` builds it) server-side applied to the plane, its
// namespaces enforcing the restricted Pod Security Standard (version
// pinned): the API server accepts every object without a warning, a Pod
// from every Deployment's template passes admission (dry run), and the
// ReplicaSet controller creates every Deployment's pods, which the
// scheduler places on the node.
func TestInstallKustomizeOnTheAPIServer(t *testing.T) {
	began := time.Now()
	objs := e2e.InstallBase(t)
	checkInstalled(t, objs)
	t.Logf("METRIC install_kustomize=%s (%d objects)", since(began), len(objs))
}

// TestInstallHelmChartOnTheAPIServer: the Helm chart rendered (helm
// template) into namespace slipway-helm with its targets namespace and
// target-secrets namespace renamed, and replicas, images and OIDC set,
// applied and admitted as the kustomize base is.
func TestInstallHelmChartOnTheAPIServer(t *testing.T) {
	began := time.Now()
	const ns, models, secrets = "slipway-helm", "models-helm", "slipway-helm-targets"
	objs := install.HelmTemplate(t, ns, "targets.namespace="+models, "targetSecrets.namespace="+secrets,
		"image.registry=registry.example.com/ml", "image.tag=v1.0.0", "api.replicas=1", "rolloutWorker.replicas=1",
		"oidc.issuer=https://login.example.com", "oidc.audience=slipway", "oidc.policy=bindings: []", "streamReplicas=3")
	e2e.Restrict(objs)
	plane := kubeplane.Shared(t)
	a, err := e2e.NewApplier(plane.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	t.Cleanup(func() {
		for _, n := range []string{ns, models, secrets} {
			err := plane.Client().CoreV1().Namespaces().Delete(context.Background(), n, metav1.DeleteOptions{})
			if err != nil && !apierrors.IsNotFound(err) {
				t.Errorf("delete namespace %s: %v", n, err)
			}
		}
	})
	if err := a.EnsureNamespace(ctx, models); err != nil {
		t.Fatal(err)
	}
	if err := a.Apply(ctx, objs); err != nil {
		t.Fatal(err)
	}
	if w := a.Warnings.List(); len(w) > 0 {
		t.Fatalf("the API server warned applying the chart: %s", strings.Join(w, "; "))
	}
	checkInstalled(t, objs)
	t.Logf("METRIC install_helm=%s (%d objects)", since(began), len(objs))
}

// TestHelmInstallOnTheAPIServer: `helm install` itself (Helm 4's Go
// packages: server-side apply, a release Secret) as the README does it,
// into a namespace created first and adopted with --take-ownership (here
// with the restricted labels enforced, which Helm's apply keeps): the
// release is deployed and its objects admitted as the rendered chart's.
func TestHelmInstallOnTheAPIServer(t *testing.T) {
	began := time.Now()
	const ns, models, secrets = "slipway-helm-install", "models-helm-install", "slipway-helm-install-targets"
	sets := []string{"targets.namespace=" + models, "targetSecrets.namespace=" + secrets}
	plane := kubeplane.Shared(t)
	a, err := e2e.NewApplier(plane.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, n := range []string{ns, models, secrets} {
			err := plane.Client().CoreV1().Namespaces().Delete(context.Background(), n, metav1.DeleteOptions{})
			if err != nil && !apierrors.IsNotFound(err) {
				t.Errorf("delete namespace %s: %v", n, err)
			}
		}
	})
	for _, n := range []string{ns, models, secrets} {
		if err := a.EnsureNamespace(t.Context(), n); err != nil {
			t.Fatal(err)
		}
	}
	out, err := install.HelmInstall(t, plane.KubeconfigPath(), ns, true, sets...)
	if err != nil || out != "slipway deployed 1" {
		t.Fatalf("helm install: %q %v", out, err)
	}
	objs := install.HelmTemplate(t, ns, sets...)
	for _, o := range objs {
		if _, err := a.Get(t.Context(), o); err != nil {
			t.Errorf("after helm install: %v", err)
		}
	}
	checkInstalled(t, objs)
	t.Logf("METRIC helm_install=%s (%d objects)", since(began), len(objs))
}

// checkInstalled: every object reads back, each namespace enforces the
// restricted standard, Pods from the templates are admitted (dry run) and
// the Deployments' pods are created and scheduled, all without warnings.
func checkInstalled(t *testing.T, objs []*unstructured.Unstructured) {
	t.Helper()
	plane := kubeplane.Shared(t)
	a, err := e2e.NewApplier(plane.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	deployments := 0
	for _, o := range objs {
		switch o.GetKind() {
		case "Namespace":
			got, err := a.Client.CoreV1().Namespaces().Get(ctx, o.GetName(), metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range e2e.RestrictedLabels() {
				if got.Labels[k] != v {
					t.Errorf("namespace %s: label %s=%q, want %q", o.GetName(), k, got.Labels[k], v)
				}
			}
		case "Deployment":
			deployments++
		}
	}
	if deployments == 0 {
		t.Fatal("no Deployment among the objects")
	}
	if err := a.CheckPodTemplates(ctx, objs); err != nil {
		t.Fatalf("Pod Security admission: %v", err)
	}
	if err := a.WaitPods(ctx, objs, podsLimit); err != nil {
		t.Fatal(err)
	}
	if w := a.Warnings.List(); len(w) > 0 {
		t.Fatalf("the API server warned: %s", strings.Join(w, "; "))
	}
}
