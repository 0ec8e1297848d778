package kube

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"sync"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/validation"
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
	// Routing says which objects serve the canonical URLs of the target's
	// deployments: a Gateway API HTTPRoute, an Ingress, or none (nil).
	Routing *events.Routing `json:"routing,omitempty"`
	// PrometheusURL is the Prometheus canaries' checks on this target
	// query; empty: the worker's SLIPWAY_PROMETHEUS_URL.
	PrometheusURL string `json:"prometheusURL,omitempty"`
	// APIQPS and APIBurst bound the requests a second that each worker and
	// monitor sends the target's API server (0: DefaultAPIQPS and
	// DefaultAPIBurst). A fleet of thousands changed at once needs more;
	// the API server's own priority and fairness still protects it.
	APIQPS   float32 `json:"apiQPS,omitempty"`
	APIBurst int     `json:"apiBurst,omitempty"`
}

// Default client rate of a target's API server, per process.
const (
	DefaultAPIQPS   = 50
	DefaultAPIBurst = 100
)

// apiRate is the target's client rate, defaults filled in.
func (c TargetConfig) apiRate() (float32, int) {
	qps, burst := c.APIQPS, c.APIBurst
	if qps == 0 {
		qps = DefaultAPIQPS
	}
	if burst == 0 {
		burst = max(DefaultAPIBurst, int(2*qps))
	}
	return qps, burst
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
	// ProbeClient asks the API server whether it answers (Probe), with a
	// rate limiter of its own: a target busy with a fleet's rollouts queues
	// Client's requests for seconds, and a probe waiting in that queue made
	// it look unreachable. Nil: Client probes (simulated and fake clients,
	// which have no limiter).
	ProbeClient kubernetes.Interface
	// Dynamic writes objects of APIs client-go has no types for (Gateway
	// API HTTPRoutes). Without it, gateway routing reports that it cannot
	// write routes.
	Dynamic dynamic.Interface
	// Registered: the target was registered through the API (Connection says
	// how it is reached); otherwise it comes from the configuration.
	Registered bool
	Connection events.TargetConnection
	// ConnectErr says why a registered target has no working client (its
	// kubeconfig could not be read; Client then fails every call with it).
	// It never quotes credentials.
	ConnectErr error
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
	rec := events.TargetRecord{Name: t.Name, Region: t.Region, Namespace: t.Namespace, BaseURL: t.BaseURL,
		Simulated: t.Simulated, Default: isDefault, InstanceTypes: types, Source: events.TargetSourceConfig, Routing: t.Routing,
		PrometheusURL: t.PrometheusURL}
	if t.Registered {
		conn := t.Connection
		rec.Source, rec.Connection = events.TargetSourceAPI, &conn
	}
	return rec
}

// Targets is the set of clusters a service works with. It is safe for
// concurrent use: targets registered through the API come and go while
// rollouts run.
type Targets struct {
	Default string
	mu      sync.RWMutex
	byName  map[string]*Target
}

// NewTargets indexes targets; the first is the default.
func NewTargets(ts ...*Target) (*Targets, error) {
	out := &Targets{byName: map[string]*Target{}}
	for _, t := range ts {
		if fe := validation.Name("target.name", t.Name, 63); fe != nil {
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
		if fes := validation.Routing(t.Routing, "routing"); len(fes) > 0 {
			return nil, fmt.Errorf("target %q: %s %s", t.Name, fes[0].Field, fes[0].Message)
		}
		if fe := validation.PrometheusURL("prometheusURL", t.PrometheusURL); fe != nil {
			return nil, fmt.Errorf("target %q: %s %s", t.Name, fe.Field, fe.Message)
		}
		out.byName[t.Name] = t
		if out.Default == "" {
			out.Default = t.Name
		}
	}
	return out, nil
}

// Clone returns a set with the same targets that changes independently:
// services sharing a configuration (slipway dev) each follow registrations.
func (ts *Targets) Clone() *Targets {
	ts.mu.RLock()
	defer ts.mu.RUnlock()
	out := &Targets{Default: ts.Default, byName: make(map[string]*Target, len(ts.byName))}
	for name, t := range ts.byName {
		out.byName[name] = t
	}
	return out
}

// Get returns the named target.
func (ts *Targets) Get(name string) (*Target, bool) {
	ts.mu.RLock()
	defer ts.mu.RUnlock()
	t, ok := ts.byName[name]
	return t, ok
}

// All returns the targets sorted by name.
func (ts *Targets) All() []*Target {
	ts.mu.RLock()
	out := make([]*Target, 0, len(ts.byName))
	for _, t := range ts.byName {
		out = append(out, t)
	}
	ts.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Put adds or replaces a registered target. It refuses to replace a
// configured one (ErrConfiguredTarget).
func (ts *Targets) Put(t *Target) error {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if old, ok := ts.byName[t.Name]; ok && !old.Registered {
		return fmt.Errorf("target %s: %w", t.Name, ErrConfiguredTarget)
	}
	t.Registered = true
	ts.byName[t.Name] = t
	return nil
}

// Remove drops a registered target and reports whether it did; configured
// targets stay.
func (ts *Targets) Remove(name string) bool {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if t, ok := ts.byName[name]; ok && t.Registered {
		delete(ts.byName, name)
		return true
	}
	return false
}

// Configured reports whether name is a target of the configuration.
func (ts *Targets) Configured(name string) bool {
	t, ok := ts.Get(name)
	return ok && !t.Registered
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
	if cfg.APIQPS < 0 || cfg.APIBurst < 0 {
		return nil, fmt.Errorf("target %s: apiQPS and apiBurst must not be negative (0: %d and %d)", cfg.Name, DefaultAPIQPS, DefaultAPIBurst)
	}
	tune(rc, cfg)
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("target %s: client: %w", cfg.Name, err)
	}
	prober, err := kubernetes.NewForConfig(probeConfig(rc))
	if err != nil {
		return nil, fmt.Errorf("target %s: probe client: %w", cfg.Name, err)
	}
	dyn, err := dynamic.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("target %s: dynamic client: %w", cfg.Name, err)
	}
	return &Target{TargetConfig: cfg, Client: client, ProbeClient: prober, Dynamic: dyn}, nil
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
