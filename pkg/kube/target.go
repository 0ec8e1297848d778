package kube

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"slipway.dev/pkg/events"
)

// InstanceType is one entry of a target's catalogue: what a pod of that
// type requests and is limited to.
type InstanceType struct {
	CPU    string `json:"cpu"`
	Memory string `json:"memory"`
	GPU    int    `json:"gpu,omitempty"`
}

// DefaultInstanceTypes is the catalogue of a target that names none.
func DefaultInstanceTypes() map[string]InstanceType {
	return map[string]InstanceType{
		"cpu-small":  {CPU: "500m", Memory: "1Gi"},
		"cpu-medium": {CPU: "1", Memory: "2Gi"},
		"cpu-large":  {CPU: "2", Memory: "4Gi"},
		"gpu-t4":     {CPU: "4", Memory: "16Gi", GPU: 1},
	}
}

// TargetConfig says how to reach a cluster. Exactly one of Kubeconfig,
// InCluster, or a programmatic client (see Target) says how.
type TargetConfig struct {
	Name          string                  `json:"name"`
	Region        string                  `json:"region,omitempty"`
	Namespace     string                  `json:"namespace"`
	BaseURL       string                  `json:"baseURL"`
	Kubeconfig    string                  `json:"kubeconfig,omitempty"`
	Context       string                  `json:"context,omitempty"`
	InCluster     bool                    `json:"inCluster,omitempty"`
	InstanceTypes map[string]InstanceType `json:"instanceTypes,omitempty"`
	// MaxConcurrentRollouts bounds the rollouts running at once on the
	// target, across all workers (0: DefaultMaxConcurrentRollouts; negative: no limit).
	MaxConcurrentRollouts int `json:"maxConcurrentRollouts,omitempty"`
}

// DefaultMaxConcurrentRollouts is the per-target limit when none is configured.
const DefaultMaxConcurrentRollouts = 10

// RolloutLimit is the effective limit on concurrent rollouts (0: none).
func (c TargetConfig) RolloutLimit() int {
	switch {
	case c.MaxConcurrentRollouts < 0:
		return 0
	case c.MaxConcurrentRollouts == 0:
		return DefaultMaxConcurrentRollouts
	}
	return c.MaxConcurrentRollouts
}

// Target is a cluster Slipway deploys to, with a client for it.
type Target struct {
	TargetConfig
	Simulated bool
	Client    kubernetes.Interface
}

// Info is what a deployment records of its target.
func (t *Target) Info() events.TargetInfo {
	return events.TargetInfo{Name: t.Name, Namespace: t.Namespace, BaseURL: t.BaseURL, Simulated: t.Simulated}
}

// Record is the target as published for other services.
func (t *Target) Record(isDefault bool) events.TargetRecord {
	types := make(map[string]events.InstanceType, len(t.InstanceTypes))
	for name, it := range t.InstanceTypes {
		types[name] = events.InstanceType{CPU: it.CPU, Memory: it.Memory, GPU: it.GPU}
	}
	return events.TargetRecord{Name: t.Name, Region: t.Region, Namespace: t.Namespace, BaseURL: t.BaseURL,
		Simulated: t.Simulated, Default: isDefault, InstanceTypes: types}
}

// Targets is the set of clusters a service works with.
type Targets struct {
	Default string
	byName  map[string]*Target
}

// NewTargets indexes targets; the first is the default.
func NewTargets(ts ...*Target) (*Targets, error) {
	out := &Targets{byName: map[string]*Target{}}
	for _, t := range ts {
		if fe := events.ValidateName("target.name", t.Name, 63); fe != nil {
			return nil, fmt.Errorf("target %q: %s", t.Name, fe.Message)
		}
		if _, dup := out.byName[t.Name]; dup {
			return nil, fmt.Errorf("target %q is defined twice", t.Name)
		}
		if t.Namespace == "" {
			t.Namespace = "default"
		}
		if len(t.InstanceTypes) == 0 {
			t.InstanceTypes = DefaultInstanceTypes()
		}
		out.byName[t.Name] = t
		if out.Default == "" {
			out.Default = t.Name
		}
	}
	return out, nil
}

// Get returns the named target.
func (ts *Targets) Get(name string) (*Target, bool) {
	t, ok := ts.byName[name]
	return t, ok
}

// All returns the targets sorted by name.
func (ts *Targets) All() []*Target {
	out := make([]*Target, 0, len(ts.byName))
	for _, t := range ts.byName {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Connect builds a client for a configured target.
func Connect(cfg TargetConfig) (*Target, error) {
	var rc *rest.Config
	var err error
	switch {
	case cfg.InCluster:
		rc, err = rest.InClusterConfig()
	case cfg.Kubeconfig != "":
		rules := &clientcmd.ClientConfigLoadingRules{ExplicitPath: cfg.Kubeconfig}
		rc, err = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules,
			&clientcmd.ConfigOverrides{CurrentContext: cfg.Context}).ClientConfig()
	default:
		return nil, fmt.Errorf("target %s: give a kubeconfig or inCluster", cfg.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("target %s: client config: %w", cfg.Name, err)
	}
	rc.QPS, rc.Burst = 50, 100
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("target %s: client: %w", cfg.Name, err)
	}
	return &Target{TargetConfig: cfg, Client: client}, nil
}

// LoadTargetsFile reads a JSON list of TargetConfig.
func LoadTargetsFile(path string) ([]TargetConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read targets file: %w", err)
	}
	var cfgs []TargetConfig
	if err := json.Unmarshal(b, &cfgs); err != nil {
		return nil, fmt.Errorf("parse targets file %s: %w", path, err)
	}
	return cfgs, nil
}
