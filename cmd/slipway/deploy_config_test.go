package main

// Checks that docker-compose.yaml and the Kubernetes manifests in deployments/
// configure each service with the environment it actually reads: a SLIPWAY_*
// variable no service reads is a typo or a leftover, and a missing one makes a
// service fall back to a default (127.0.0.1) that is wrong in a container.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/kube"
	api "slipway.dev/services/api"
	monitor "slipway.dev/services/health-monitor"
	"slipway.dev/services/promoter"
	worker "slipway.dev/services/rollout-worker"
)

// deployedService ties a service package to its names in the deployment files.
type deployedService struct {
	// name is the compose service and the Dockerfile stage.
	name string
	// binary is the command's name: the binary in the image, the image name,
	// and the Kubernetes Deployment's name.
	binary string
	// pkg is the main package the Dockerfile builds.
	pkg string
	// reads is every environment variable the service reads.
	reads []string
	// required must each be set; at least one of oneOf must be set.
	required []string
	oneOf    []string
}

func deployedServices() []deployedService {
	// Any of these gives the worker and the monitor a target; the other target
	// variables only qualify one.
	targets := []string{kube.EnvTargetsFile, kube.EnvKubeconfig, kube.EnvInCluster}
	return []deployedService{
		{name: "api", binary: "slipway-api", pkg: "slipway.dev/services/api/cmd/slipway-api",
			reads: api.EnvVars(), required: []string{api.EnvNATSURL, api.EnvMongoURI, api.EnvMongoDB},
			oneOf: []string{api.EnvAdminTokenFile, api.EnvOIDCIssuer, api.EnvInsecureNoAuth}},
		{name: "rollout-worker", binary: "slipway-rollout-worker", pkg: "slipway.dev/services/rollout-worker/cmd/slipway-rollout-worker",
			reads: worker.EnvVars(), required: []string{worker.EnvNATSURL}, oneOf: targets},
		{name: "health-monitor", binary: "slipway-health-monitor", pkg: "slipway.dev/services/health-monitor/cmd/slipway-health-monitor",
			reads: monitor.EnvVars(), required: []string{monitor.EnvNATSURL}, oneOf: targets},
		{name: "promoter", binary: "slipway-promoter", pkg: "slipway.dev/services/promoter/cmd/slipway-promoter",
			reads: promoter.EnvVars(), required: []string{promoter.EnvNATSURL}},
	}
}

// TestDeployConfigEnv checks, for every service and every place it is
// deployed from, the SLIPWAY_* variables it is given.
func TestDeployConfigEnv(t *testing.T) {
	root := repoRoot(t)
	compose := loadCompose(t, root)
	manifests := loadManifests(t, root)
	for _, svc := range deployedServices() {
		t.Run(svc.name, func(t *testing.T) {
			var sources []envSource
			if s, ok := compose.env[svc.name]; ok {
				sources = append(sources, s)
			} else {
				t.Errorf("docker-compose.yaml: no service %q", svc.name)
			}
			sources = append(sources, manifests.envOf(t, svc)...)
			for _, src := range sources {
				t.Run(src.file, func(t *testing.T) { checkEnv(t, svc, src) })
			}
		})
	}
}

// TestDeployConfigYAML checks that every YAML file parses (all documents),
// that every Kubernetes object names its kind, name and namespace, and that
// kustomization.yaml lists exactly the manifests there are.
func TestDeployConfigYAML(t *testing.T) {
	root := repoRoot(t)
	files := []string{"docker-compose.yaml"}
	err := filepath.WalkDir(filepath.Join(root, "deployments"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && p == filepath.Join(root, chartDir) {
			return fs.SkipDir // Go templates, not YAML: testsupport/install renders and checks the chart
		}
		if err != nil || d.IsDir() || !isYAML(p) {
			return err
		}
		rel, err := filepath.Rel(root, p)
		files = append(files, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var kustomizations, manifests []string
	for _, f := range files {
		docs, err := readDocuments(filepath.Join(root, f))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if f == "docker-compose.yaml" {
			continue
		}
		for i, doc := range docs {
			var h objectHead
			if err := doc.Decode(&h); err != nil {
				t.Errorf("%s: document %d: %v", f, i+1, err)
				continue
			}
			switch {
			case h.Kind == "Kustomization":
				kustomizations = append(kustomizations, f)
				checkKustomization(t, root, f, doc)
			case h.APIVersion == "" || h.Kind == "" || h.Metadata.Name == "":
				t.Errorf("%s: document %d: apiVersion, kind and metadata.name are required", f, i+1)
			case h.Metadata.Namespace == "" && !clusterScoped[h.Kind]:
				// kustomization.yaml sets no namespace, so an object without
				// one would land in whatever namespace kubectl defaults to.
				t.Errorf("%s: %s %s has no metadata.namespace", f, h.Kind, h.Metadata.Name)
			}
		}
		if len(docs) > 0 && !slices.Contains(kustomizations, f) {
			manifests = append(manifests, f)
		}
	}
	if !slices.Equal(kustomizations, []string{"deployments/kustomization.yaml"}) {
		t.Errorf("want exactly deployments/kustomization.yaml as the kustomization, have %v", kustomizations)
	}
	listed := kustomizationResources(t, root)
	for _, m := range manifests {
		if !slices.Contains(listed, m) {
			t.Errorf("deployments/kustomization.yaml: %s is not in resources, so kubectl apply -k skips it", m)
		}
	}
}

// TestDeployConfigImages checks that each service is built from its own
// Dockerfile stage and runs its own binary, in compose and in deployments/.
func TestDeployConfigImages(t *testing.T) {
	root := repoRoot(t)
	stages := dockerfileStages(t, root)
	compose := loadCompose(t, root)
	manifests := loadManifests(t, root)
	for _, svc := range deployedServices() {
		t.Run(svc.name, func(t *testing.T) {
			entry, ok := stages.entrypoints[svc.name]
			switch {
			case !ok:
				t.Errorf("Dockerfile: no stage %q", svc.name)
			case entry != "/usr/local/bin/"+svc.binary:
				t.Errorf("Dockerfile: stage %q runs %q, want /usr/local/bin/%s", svc.name, entry, svc.binary)
			}
			if !strings.Contains(stages.text, svc.pkg) {
				t.Errorf("Dockerfile: does not build %s", svc.pkg)
			}
			if b, ok := compose.builds[svc.name]; ok {
				if b.target != svc.name {
					t.Errorf("docker-compose.yaml: service %q builds target %q, want %q", svc.name, b.target, svc.name)
				}
				if b.image != "" && imageName(b.image) != svc.binary {
					t.Errorf("docker-compose.yaml: service %q is tagged %q, want an image named %s", svc.name, b.image, svc.binary)
				}
			}
			for _, d := range manifests.deployments {
				if d.name != svc.binary {
					continue
				}
				if c := d.serviceContainer(svc); c == nil {
					t.Errorf("%s: Deployment %s has no container running image %s", d.file, d.name, svc.binary)
				}
			}
		})
	}
	known := map[string]bool{}
	for _, svc := range deployedServices() {
		known[svc.name] = true
	}
	for name := range compose.builds {
		if !known[name] {
			t.Errorf("docker-compose.yaml: service %q is built from the Dockerfile but the test does not know it: add it to deployedServices", name)
		}
	}
}

// ---------------------------------------------------------------------------
// Checking one service's environment

// envSource is the environment one deployment file gives a service.
type envSource struct {
	file  string // relative to the repository root
	where string // the service, Deployment and container in that file
	vars  []envVar
	// files are the ConfigMap files mounted into the container, by path.
	files map[string]mountedFile
}

type envVar struct {
	name  string
	value string
	known bool   // value is a literal here (not interpolated, not from a Secret)
	via   string // how it is set, when not directly
}

type mountedFile struct {
	content string
	from    string // ConfigMap name and key
}

func (v envVar) describe() string {
	if v.via == "" {
		return v.name
	}
	return v.name + " (" + v.via + ")"
}

func checkEnv(t *testing.T, svc deployedService, src envSource) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf("%s: %s: %s", src.file, src.where, fmt.Sprintf(format, args...))
	}
	set := map[string]envVar{}
	for _, v := range src.vars {
		if !strings.HasPrefix(v.name, "SLIPWAY_") {
			continue // OTEL_* and the like are read by libraries
		}
		if !slices.Contains(svc.reads, v.name) {
			fail("%s is set, but %s does not read it (it reads %s)", v.describe(), svc.name, strings.Join(svc.reads, ", "))
			continue
		}
		set[v.name] = v // a later definition wins, as in Kubernetes
	}
	for _, name := range svc.required {
		if v, ok := set[name]; !ok || (v.known && v.value == "") {
			fail("%s must be set: %s needs it to start", name, svc.name)
		}
	}
	if len(svc.oneOf) > 0 && !slices.ContainsFunc(svc.oneOf, func(n string) bool { _, ok := set[n]; return ok }) {
		fail("one of %s must be set: %s has no target without it", strings.Join(svc.oneOf, ", "), svc.name)
	}
	for _, v := range set {
		if !v.known {
			continue
		}
		if err := checkValue(v.name, v.value); err != nil {
			fail("%s=%q: %v", v.describe(), v.value, err)
		}
	}
	if v, ok := set[kube.EnvTargetsFile]; ok && v.known && src.files != nil {
		f, ok := src.files[v.value]
		if !ok {
			fail("%s=%s: no ConfigMap key is mounted at that path", v.describe(), v.value)
		} else if err := checkTargets(f.content); err != nil {
			fail("%s=%s (%s): %v", v.describe(), v.value, f.from, err)
		}
	}
}

// checkValue checks a literal value the way the service will parse it. Several
// services silently fall back to a default on a value they cannot parse, so
// a mistake would otherwise go unnoticed.
func checkValue(name, value string) error {
	switch name {
	case kube.EnvInCluster:
		_, err := strconv.ParseBool(value)
		return err
	case monitor.EnvSettle:
		d, err := time.ParseDuration(value)
		if err == nil && d < 0 {
			err = errors.New("must not be negative")
		}
		return err
	case worker.EnvMaxRollouts:
		n, err := strconv.Atoi(value)
		if err == nil && n < 0 {
			err = errors.New("must not be negative")
		}
		return err
	case api.EnvNATSURL: // the servers of a cluster, separated by commas
		var errs []error
		for u := range strings.SplitSeq(value, ",") {
			errs = append(errs, urlWithScheme(u, "nats", "tls"))
		}
		return errors.Join(errs...)
	case api.EnvStreamReplicas:
		_, err := bus.ParseReplicas(value)
		return err
	case api.EnvMongoURI:
		return urlWithScheme(value, "mongodb", "mongodb+srv")
	case kube.EnvTargetBaseURL:
		return urlWithScheme(value, "http", "https")
	case kube.EnvTargetsFile, kube.EnvKubeconfig:
		if !path.IsAbs(value) {
			return errors.New("want an absolute path in the container")
		}
	}
	return nil
}

func urlWithScheme(value string, schemes ...string) error {
	u, err := url.Parse(value)
	if err != nil {
		return err
	}
	if !slices.Contains(schemes, u.Scheme) || u.Host == "" {
		return fmt.Errorf("want a %s URL with a host", strings.Join(schemes, " or "))
	}
	return nil
}

// checkTargets decodes a targets file as the services do, refusing unknown
// fields (a misspelt field would silently be ignored).
func checkTargets(content string) error {
	dec := json.NewDecoder(strings.NewReader(content))
	dec.DisallowUnknownFields()
	var targets []kube.TargetConfig
	if err := dec.Decode(&targets); err != nil {
		return fmt.Errorf("targets.json: %w", err)
	}
	if len(targets) == 0 {
		return errors.New("targets.json lists no target")
	}
	ts := make([]*kube.Target, 0, len(targets))
	for i, tc := range targets {
		ts = append(ts, &kube.Target{TargetConfig: tc})
		if tc.Name == "" || (tc.Kubeconfig == "" && !tc.InCluster) {
			return fmt.Errorf("targets.json: target %d needs a name and a kubeconfig or inCluster", i)
		}
		if tc.BaseURL != "" {
			if err := urlWithScheme(tc.BaseURL, "http", "https"); err != nil {
				return fmt.Errorf("targets.json: target %s: baseURL: %w", tc.Name, err)
			}
		}
	}
	// The services' own checks: target names valid and distinct.
	if _, err := kube.NewTargets(ts...); err != nil {
		return fmt.Errorf("targets.json: %w", err)
	}
	return nil
}

// ---------------------------------------------------------------------------
// docker-compose.yaml

type composeProject struct {
	env    map[string]envSource    // by service, for services built from the Dockerfile
	builds map[string]composeBuild // by service
}

type composeBuild struct{ target, image string }

func loadCompose(t *testing.T, root string) composeProject {
	t.Helper()
	const file = "docker-compose.yaml"
	docs, err := readDocuments(filepath.Join(root, file))
	if err != nil || len(docs) != 1 {
		t.Fatalf("%s: want one YAML document: %v", file, err)
	}
	var doc struct {
		Services map[string]struct {
			Image       string    `yaml:"image"`
			Build       yaml.Node `yaml:"build"`
			Environment yaml.Node `yaml:"environment"`
			EnvFile     yaml.Node `yaml:"env_file"`
		} `yaml:"services"`
	}
	if err := docs[0].Decode(&doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	p := composeProject{env: map[string]envSource{}, builds: map[string]composeBuild{}}
	for name, s := range doc.Services {
		if s.Build.Kind == 0 {
			continue // a third-party image (nats, mongodb)
		}
		where := fmt.Sprintf("service %q", name)
		var b struct {
			Target string `yaml:"target"`
		}
		if s.Build.Kind == yaml.MappingNode {
			if err := s.Build.Decode(&b); err != nil {
				t.Errorf("%s: %s: build: %v", file, where, err)
			}
		}
		p.builds[name] = composeBuild{target: b.Target, image: s.Image}
		if s.EnvFile.Kind != 0 {
			t.Errorf("%s: %s: env_file is not checked by this test; set the variables under environment", file, where)
		}
		vars, err := composeEnvironment(&s.Environment)
		if err != nil {
			t.Errorf("%s: %s: environment: %v", file, where, err)
		}
		p.env[name] = envSource{file: file, where: where, vars: vars}
	}
	return p
}

// composeEnvironment reads environment in either of its forms: a mapping
// (a null value passes the host's variable through) or a list of NAME=value.
// A value with ${...} is interpolated from the host, so it is not known here.
func composeEnvironment(n *yaml.Node) ([]envVar, error) {
	var out []envVar
	literal := func(name string, value *string) envVar {
		if value == nil {
			return envVar{name: name, via: "from the host environment"}
		}
		return envVar{name: name, value: *value, known: !strings.Contains(*value, "$")}
	}
	switch n.Kind {
	case 0:
		return nil, nil
	case yaml.MappingNode:
		var m map[string]*string
		if err := n.Decode(&m); err != nil {
			return nil, err
		}
		for name, value := range m {
			out = append(out, literal(name, value))
		}
	case yaml.SequenceNode:
		var l []string
		if err := n.Decode(&l); err != nil {
			return nil, err
		}
		for _, item := range l {
			name, value, ok := strings.Cut(item, "=")
			if !ok {
				out = append(out, literal(name, nil))
				continue
			}
			out = append(out, literal(name, &value))
		}
	default:
		return nil, errors.New("want a mapping or a list")
	}
	slices.SortFunc(out, func(a, b envVar) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

// ---------------------------------------------------------------------------
// deployments/

type objectHead struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name      string `yaml:"name"`
		Namespace string `yaml:"namespace"`
	} `yaml:"metadata"`
}

// chartDir is the Helm chart under deployments/, skipped here.
const chartDir = "deployments/helm"

var clusterScoped = map[string]bool{
	"Namespace": true, "ClusterRole": true, "ClusterRoleBinding": true, "CustomResourceDefinition": true,
	"PriorityClass": true, "StorageClass": true, "PersistentVolume": true, "IngressClass": true,
	"ValidatingWebhookConfiguration": true, "MutatingWebhookConfiguration": true,
}

type manifestSet struct {
	configMaps  map[string]configMap // by namespace/name
	deployments []deployment
}

type configMap struct {
	file string
	data map[string]string
}

type deployment struct {
	file, namespace, name string
	pod                   podSpec
}

type podSpec struct {
	Containers []container `yaml:"containers"`
	Volumes    []struct {
		Name      string `yaml:"name"`
		ConfigMap *struct {
			Name  string `yaml:"name"`
			Items []struct {
				Key  string `yaml:"key"`
				Path string `yaml:"path"`
			} `yaml:"items"`
		} `yaml:"configMap"`
	} `yaml:"volumes"`
}

type container struct {
	Name  string `yaml:"name"`
	Image string `yaml:"image"`
	Env   []struct {
		Name      string    `yaml:"name"`
		Value     yaml.Node `yaml:"value"` // Kind 0 when absent
		ValueFrom *struct {
			ConfigMapKeyRef *keyRef `yaml:"configMapKeyRef"`
			SecretKeyRef    *keyRef `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	EnvFrom []struct {
		Prefix       string  `yaml:"prefix"`
		ConfigMapRef *objRef `yaml:"configMapRef"`
		SecretRef    *objRef `yaml:"secretRef"`
	} `yaml:"envFrom"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		SubPath   string `yaml:"subPath"`
	} `yaml:"volumeMounts"`
}

type keyRef struct {
	Name     string `yaml:"name"`
	Key      string `yaml:"key"`
	Optional bool   `yaml:"optional"`
}

type objRef struct {
	Name     string `yaml:"name"`
	Optional bool   `yaml:"optional"`
}

func loadManifests(t *testing.T, root string) manifestSet {
	t.Helper()
	set := manifestSet{configMaps: map[string]configMap{}}
	for _, file := range kustomizationResources(t, root) {
		docs, err := readDocuments(filepath.Join(root, file))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, doc := range docs {
			var h objectHead
			if err := doc.Decode(&h); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			id := h.Metadata.Namespace + "/" + h.Metadata.Name
			switch h.Kind {
			case "ConfigMap":
				var cm struct {
					Data map[string]yaml.Node `yaml:"data"`
				}
				if err := doc.Decode(&cm); err != nil {
					t.Fatalf("%s: ConfigMap %s: %v", file, id, err)
				}
				data := map[string]string{}
				for k, v := range cm.Data {
					if v.Kind != yaml.ScalarNode || v.Tag != "!!str" {
						t.Errorf("%s: ConfigMap %s: data.%s must be a string (quote it)", file, id, k)
					}
					data[k] = v.Value
				}
				set.configMaps[id] = configMap{file: file, data: data}
			case "Deployment":
				var d struct {
					Spec struct {
						Template struct {
							Spec podSpec `yaml:"spec"`
						} `yaml:"template"`
					} `yaml:"spec"`
				}
				if err := doc.Decode(&d); err != nil {
					t.Fatalf("%s: Deployment %s: %v", file, id, err)
				}
				set.deployments = append(set.deployments, deployment{file: file, namespace: h.Metadata.Namespace,
					name: h.Metadata.Name, pod: d.Spec.Template.Spec})
			case "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "ReplicaSet":
				t.Errorf("%s: %s %s: only Deployments are checked by this test; extend it", file, h.Kind, id)
			}
		}
	}
	names := map[string]bool{}
	for _, svc := range deployedServices() {
		names[svc.binary] = true
	}
	for _, d := range set.deployments {
		if !names[d.name] {
			t.Errorf("%s: Deployment %s/%s runs no known service: add it to deployedServices", d.file, d.namespace, d.name)
		}
	}
	return set
}

// envOf returns the environment of the service's container in every
// Deployment named after it.
func (m manifestSet) envOf(t *testing.T, svc deployedService) []envSource {
	t.Helper()
	var out []envSource
	for _, d := range m.deployments {
		if d.name != svc.binary {
			continue
		}
		c := d.serviceContainer(svc)
		if c == nil {
			t.Errorf("%s: Deployment %s/%s: no container runs image %s", d.file, d.namespace, d.name, svc.binary)
			continue
		}
		out = append(out, m.containerEnv(t, d, c))
	}
	if len(out) == 0 {
		t.Errorf("deployments/: no Deployment %s", svc.binary)
	}
	return out
}

func (d deployment) serviceContainer(svc deployedService) *container {
	for i, c := range d.pod.Containers {
		if imageName(c.Image) == svc.binary {
			return &d.pod.Containers[i]
		}
	}
	return nil
}

// containerEnv resolves what Kubernetes would put in the container's
// environment: envFrom ConfigMaps (with their prefix), then env.
func (m manifestSet) containerEnv(t *testing.T, d deployment, c *container) envSource {
	t.Helper()
	src := envSource{file: d.file, where: fmt.Sprintf("Deployment %s/%s, container %s", d.namespace, d.name, c.Name),
		files: map[string]mountedFile{}}
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf("%s: %s: %s", src.file, src.where, fmt.Sprintf(format, args...))
	}
	for _, ef := range c.EnvFrom {
		switch {
		case ef.ConfigMapRef != nil:
			cm, ok := m.configMaps[d.namespace+"/"+ef.ConfigMapRef.Name]
			if !ok {
				if !ef.ConfigMapRef.Optional {
					fail("envFrom ConfigMap %s is not in deployments/", ef.ConfigMapRef.Name)
				}
				continue
			}
			for _, k := range sortedKeys(cm.data) {
				src.vars = append(src.vars, envVar{name: ef.Prefix + k, value: cm.data[k], known: true,
					via: fmt.Sprintf("from ConfigMap %s in %s via envFrom", ef.ConfigMapRef.Name, cm.file)})
			}
		case ef.SecretRef != nil:
			// The Secrets are created out of band, so their keys are unknown here.
			fail("envFrom Secret %s: its variable names cannot be checked; use env with secretKeyRef", ef.SecretRef.Name)
		}
	}
	seen := map[string]bool{}
	for _, e := range c.Env {
		if seen[e.Name] {
			fail("%s is set twice in env", e.Name)
		}
		seen[e.Name] = true
		v := envVar{name: e.Name}
		switch {
		case e.Value.Kind != 0:
			if e.Value.Kind != yaml.ScalarNode || e.Value.Tag != "!!str" {
				fail("%s: value must be a string (quote it)", e.Name)
			}
			v.value, v.known = e.Value.Value, true
		case e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			v.via = fmt.Sprintf("from ConfigMap %s key %s", ref.Name, ref.Key)
			cm, ok := m.configMaps[d.namespace+"/"+ref.Name]
			value, has := cm.data[ref.Key]
			if !ok || !has {
				if !ref.Optional {
					fail("%s: ConfigMap %s key %s is not in deployments/", e.Name, ref.Name, ref.Key)
				}
				continue
			}
			v.value, v.known = value, true
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			v.via = fmt.Sprintf("from Secret %s key %s", ref.Name, ref.Key)
			if ref.Name == "" || ref.Key == "" {
				fail("%s: secretKeyRef needs a name and a key", e.Name)
			}
		}
		src.vars = append(src.vars, v)
	}
	// Files mounted from ConfigMaps in the manifests, for SLIPWAY_TARGETS_FILE.
	for _, vm := range c.VolumeMounts {
		for _, vol := range d.pod.Volumes {
			if vol.Name != vm.Name || vol.ConfigMap == nil {
				continue
			}
			cm, ok := m.configMaps[d.namespace+"/"+vol.ConfigMap.Name]
			if !ok {
				continue
			}
			files := map[string]string{} // path in the volume -> key
			for k := range cm.data {
				files[k] = k
			}
			if len(vol.ConfigMap.Items) > 0 {
				files = map[string]string{}
				for _, it := range vol.ConfigMap.Items {
					files[it.Path] = it.Key
				}
			}
			for p, key := range files {
				at := path.Join(vm.MountPath, p)
				if vm.SubPath != "" {
					if vm.SubPath != p {
						continue
					}
					at = vm.MountPath
				}
				src.files[at] = mountedFile{content: cm.data[key], from: fmt.Sprintf("ConfigMap %s key %s", vol.ConfigMap.Name, key)}
			}
		}
	}
	return src
}

func kustomizationResources(t *testing.T, root string) []string {
	t.Helper()
	const file = "deployments/kustomization.yaml"
	docs, err := readDocuments(filepath.Join(root, file))
	if err != nil || len(docs) != 1 {
		t.Fatalf("%s: want one YAML document: %v", file, err)
	}
	var k struct {
		Resources []string `yaml:"resources"`
	}
	if err := docs[0].Decode(&k); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	out := make([]string, 0, len(k.Resources))
	for _, r := range k.Resources {
		out = append(out, path.Join("deployments", r))
	}
	return out
}

func checkKustomization(t *testing.T, root, file string, doc *yaml.Node) {
	t.Helper()
	var k struct {
		Namespace string   `yaml:"namespace"`
		Resources []string `yaml:"resources"`
	}
	if err := doc.Decode(&k); err != nil {
		t.Errorf("%s: %v", file, err)
		return
	}
	if k.Namespace != "" {
		t.Errorf("%s: namespace %q would move the Roles out of the target namespace; set namespaces in the manifests", file, k.Namespace)
	}
	for _, r := range k.Resources {
		p := filepath.Join(root, filepath.FromSlash(path.Join(path.Dir(file), r)))
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: resource %s: %v", file, r, err)
		}
	}
}

// ---------------------------------------------------------------------------
// Dockerfile

type dockerfile struct {
	text        string
	entrypoints map[string]string // stage -> the program its ENTRYPOINT runs
}

var (
	fromStage  = regexp.MustCompile(`(?i)^FROM\s+.*\s+AS\s+(\S+)\s*$`)
	entrypoint = regexp.MustCompile(`(?i)^ENTRYPOINT\s+(\[.*\])\s*$`)
)

func dockerfileStages(t *testing.T, root string) dockerfile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	df := dockerfile{text: string(b), entrypoints: map[string]string{}}
	stage := ""
	for line := range strings.Lines(df.text) {
		line = strings.TrimSpace(line)
		if m := fromStage.FindStringSubmatch(line); m != nil {
			stage = m[1]
			df.entrypoints[stage] = ""
		} else if m := entrypoint.FindStringSubmatch(line); m != nil && stage != "" {
			var argv []string
			if err := json.Unmarshal([]byte(m[1]), &argv); err != nil || len(argv) == 0 {
				t.Errorf("Dockerfile: stage %s: ENTRYPOINT %s: want the exec form", stage, m[1])
				continue
			}
			df.entrypoints[stage] = argv[0]
		}
	}
	return df
}

// ---------------------------------------------------------------------------
// helpers

func repoRoot(t *testing.T) string {
	t.Helper()
	root := filepath.Join("..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.work")); err != nil {
		t.Fatalf("repository root: %v", err)
	}
	return root
}

func isYAML(p string) bool {
	return strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")
}

// readDocuments parses every document of a YAML file, skipping empty ones.
func readDocuments(p string) ([]*yaml.Node, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []*yaml.Node
	for i := 1; ; i++ {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		if len(n.Content) == 0 || n.Content[0].Tag == "!!null" {
			continue
		}
		if n.Content[0].Kind != yaml.MappingNode {
			return nil, fmt.Errorf("document %d: want a mapping", i)
		}
		docs = append(docs, &n)
	}
}

// imageName is an image reference's last path element without tag or digest:
// "registry.example.com/x/slipway-api:v1" -> "slipway-api".
func imageName(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	name := path.Base(ref)
	name, _, _ = strings.Cut(name, ":")
	return name
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
