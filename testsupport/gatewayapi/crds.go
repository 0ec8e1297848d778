package gatewayapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/yaml"
)

// Module is the Go module the CRDs come from; tools/gatewayapi/go.mod pins
// its version.
const Module = "sigs.k8s.io/gateway-api"

// Release annotations every CRD of a Gateway API release carries.
const (
	AnnotationBundleVersion = "gateway.networking.k8s.io/bundle-version"
	AnnotationChannel       = "gateway.networking.k8s.io/channel"
)

// toolsModule is the pinning module's folder, relative to the repository
// root.
var toolsModule = filepath.Join("tools", "gatewayapi")

// Release is one Gateway API release's files in the module cache.
type Release struct {
	Version string // e.g. v1.6.3
	Dir     string // the module's root folder
}

// PinnedRelease finds the release tools/gatewayapi pins, downloading it
// into the module cache when missing. It looks for tools/gatewayapi from
// the working directory upwards (a test runs in its package's folder).
func PinnedRelease(ctx context.Context) (Release, error) {
	tools, err := findUp(toolsModule)
	if err != nil {
		return Release{}, err
	}
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", Module)
	cmd.Dir = tools
	cmd.Env = append(os.Environ(), "GOWORK=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var got struct{ Version, Dir, Error string }
	if jerr := json.Unmarshal(out, &got); jerr != nil || got.Error != "" || err != nil {
		return Release{}, fmt.Errorf("gatewayapi: go mod download %s in %s: %v %s %s", Module, tools, err, got.Error, stderr.String())
	}
	return Release{Version: got.Version, Dir: got.Dir}, nil
}

// findUp returns the first folder rel found in the working directory or
// one of its parents.
func findUp(rel string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("gatewayapi: %w", err)
	}
	for {
		p := filepath.Join(dir, rel)
		if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("gatewayapi: no %s/go.mod above the working directory", rel)
		}
		dir = parent
	}
}

// StandardCRDs reads the release's standard-channel CRDs
// (config/crd/standard), sorted by name. Other objects in those files (the
// release's ValidatingAdmissionPolicy against installing older or
// experimental CRDs over these) are left out. Each CRD must carry the
// release's version and the standard channel in its annotations, so files
// of another release or channel cannot pass for the pinned ones.
func (r Release) StandardCRDs() ([]*unstructured.Unstructured, error) {
	files, err := filepath.Glob(filepath.Join(r.Dir, "config", "crd", "standard", "*.yaml"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("gatewayapi: no standard CRDs in %s (%v)", r.Dir, err)
	}
	var crds []*unstructured.Unstructured
	for _, f := range files {
		objs, err := readObjects(f)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			if o.GetKind() != "CustomResourceDefinition" {
				continue
			}
			a := o.GetAnnotations()
			if a[AnnotationBundleVersion] != r.Version || a[AnnotationChannel] != "standard" {
				return nil, fmt.Errorf("gatewayapi: %s in %s is %s channel %q, want %s standard",
					o.GetName(), f, a[AnnotationBundleVersion], a[AnnotationChannel], r.Version)
			}
			crds = append(crds, o)
		}
	}
	sort.Slice(crds, func(i, j int) bool { return crds[i].GetName() < crds[j].GetName() })
	return crds, nil
}

// readObjects decodes every YAML document of a file.
func readObjects(path string) ([]*unstructured.Unstructured, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("gatewayapi: %w", err)
	}
	defer f.Close()
	dec := yaml.NewYAMLOrJSONDecoder(f, 64<<10)
	var out []*unstructured.Unstructured
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("gatewayapi: decode %s: %w", path, err)
		}
		if len(obj) > 0 {
			out = append(out, &unstructured.Unstructured{Object: obj})
		}
	}
}
