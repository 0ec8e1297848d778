package gatewayapi

import (
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestStandardCRDsOfThePinnedRelease: the fixture reads the pinned
// release's standard channel from the module's files: HTTPRoute among
// them, served as v1, with the RequestMirror filter's percent and the
// backendRef weight in its schema (what canary traffic needs); the
// ValidatingAdmissionPolicy in the same folder is not a CRD and is left out.
func TestStandardCRDsOfThePinnedRelease(t *testing.T) {
	r, err := PinnedRelease(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if r.Version != "v1.6.3" {
		t.Errorf("pinned release %s, want v1.6.3 (tools/gatewayapi/go.mod)", r.Version)
	}
	crds, err := r.StandardCRDs()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var route *unstructured.Unstructured
	for _, c := range crds {
		names = append(names, c.GetName())
		if c.GetName() == "httproutes.gateway.networking.k8s.io" {
			route = c
		}
	}
	for _, want := range []string{"gatewayclasses.gateway.networking.k8s.io", "gateways.gateway.networking.k8s.io",
		"httproutes.gateway.networking.k8s.io", "referencegrants.gateway.networking.k8s.io"} {
		if !slices.Contains(names, want) {
			t.Errorf("no %s in %v", want, names)
		}
	}
	if route == nil {
		t.Fatal("no HTTPRoute CRD")
	}
	versions, _, _ := unstructured.NestedSlice(route.Object, "spec", "versions")
	v1, _ := versions[0].(map[string]any)
	if v1["name"] != "v1" || v1["served"] != true {
		t.Fatalf("HTTPRoute's first version %v %v, want v1 served", v1["name"], v1["served"])
	}
	rule := []string{"schema", "openAPIV3Schema", "properties", "spec", "properties", "rules", "items", "properties"}
	for _, path := range [][]string{
		append(slices.Clone(rule), "backendRefs", "items", "properties", "weight"),
		append(slices.Clone(rule), "filters", "items", "properties", "requestMirror", "properties", "percent"),
	} {
		if _, ok, _ := unstructured.NestedMap(v1, path...); !ok {
			t.Errorf("HTTPRoute v1 schema has no %v", path[len(path)-1])
		}
	}
}
