package events

// Spec is everything a revision runs: an immutable snapshot once a revision
// is created. The JSON names are the API's and the wire's.
type Spec struct {
	Image        string            `json:"image"`
	Model        *ModelRef         `json:"model,omitempty"`
	Command      []string          `json:"command,omitempty"`
	Args         []string          `json:"args,omitempty"`
	Port         int32             `json:"port,omitempty"`
	Endpoints    []Endpoint        `json:"endpoints,omitempty"`
	Replicas     *int32            `json:"replicas,omitempty"`
	Scaling      *Scaling          `json:"scaling,omitempty"`
	InstanceType string            `json:"instanceType,omitempty"`
	Env          map[string]string `json:"env,omitempty"`
	Secrets      []SecretRef       `json:"secrets,omitempty"`
	Readiness    *Probe            `json:"readinessProbe,omitempty"`
	Liveness     *Probe            `json:"livenessProbe,omitempty"`
	Rollout      *Strategy         `json:"rollout,omitempty"`
	// PodAnnotations are added to every pod (sidecar injection, scraping, ...).
	PodAnnotations map[string]string `json:"podAnnotations,omitempty"`
	// KeepWarm keeps the last N good revisions running (pinned) besides the
	// current one, so moving an alias back to one is instant.
	KeepWarm int32 `json:"keepWarm,omitempty"`
}

// ModelRef names the model a server loads, for people and audit; the image is what runs.
type ModelRef struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	URI     string `json:"uri,omitempty"`
}

// Endpoint is a named HTTP path a revision serves (predict, explain, ...).
type Endpoint struct {
	Name string `json:"name"`
	Path string `json:"path"`
}

// Scaling asks for autoscaling between Min and Max replicas.
type Scaling struct {
	Min              int32 `json:"min"`
	Max              int32 `json:"max"`
	TargetCPUPercent int32 `json:"targetCPUPercent,omitempty"`
}

// SecretRef injects one key of a Kubernetes Secret as an env var. Slipway
// stores and emits only this reference, never the value.
type SecretRef struct {
	Env     string `json:"env"`
	Name    string `json:"name"`
	Key     string `json:"key"`
	Version string `json:"version,omitempty"`
}

// Probe is an HTTP GET probe on the serving port.
type Probe struct {
	Path                string `json:"path"`
	InitialDelaySeconds int32  `json:"initialDelaySeconds,omitempty"`
	PeriodSeconds       int32  `json:"periodSeconds,omitempty"`
	TimeoutSeconds      int32  `json:"timeoutSeconds,omitempty"`
	FailureThreshold    int32  `json:"failureThreshold,omitempty"`
}

// Strategy is the rolling update's shape. MaxSurge and MaxUnavailable are a
// count ("1") or a percentage ("25%") of replicas.
type Strategy struct {
	MaxSurge                string `json:"maxSurge,omitempty"`
	MaxUnavailable          string `json:"maxUnavailable,omitempty"`
	ProgressDeadlineSeconds int32  `json:"progressDeadlineSeconds,omitempty"`
	// BakeSeconds keeps a rollout open after every replica is available:
	// if the new pods crash-loop or the deployment becomes unavailable in
	// that time, the rollout fails and rolls back automatically. 0: none.
	BakeSeconds int32 `json:"bakeSeconds,omitempty"`
	// Strategy is how a new revision replaces the running one: "rolling"
	// (or empty: Kubernetes' rolling update of the one Deployment) or
	// "canary" (Steps, with Checks measured by analysis steps) or
	// "blueGreen" (BlueGreen; see strategy.go). A target setting:
	// promotion keeps it.
	Strategy string       `json:"strategy,omitempty"`
	Steps    []CanaryStep `json:"steps,omitempty"`
	Checks   []Check      `json:"checks,omitempty"`
	// BlueGreen shapes a "blueGreen" rollout.
	BlueGreen *BlueGreen `json:"blueGreen,omitempty"`
	// Analysis is what a canary or blue-green rollout measures beside its
	// steps (see RolloutAnalysis).
	Analysis *RolloutAnalysis `json:"analysis,omitempty"`
}

// Defaults every revision gets where the spec is silent. MaxUnavailable 0
// makes the default rollout zero-downtime: stable pods go only when new ones are ready.
const (
	DefaultPort                    = 8080
	DefaultReplicas                = 1
	DefaultMaxSurge                = "25%"
	DefaultMaxUnavailable          = "0"
	DefaultProgressDeadlineSeconds = 600
)

// WithDefaults returns a copy of the spec with every default filled in, so a
// revision records exactly what runs.
func (s Spec) WithDefaults() Spec {
	out := s.clone()
	if out.Port == 0 {
		out.Port = DefaultPort
	}
	if len(out.Endpoints) == 0 {
		out.Endpoints = []Endpoint{{Name: "predict", Path: "/predict"}}
	}
	if out.Replicas == nil && out.Scaling == nil {
		n := int32(DefaultReplicas)
		out.Replicas = &n
	}
	if out.Rollout == nil {
		out.Rollout = &Strategy{}
	}
	if out.Rollout.MaxSurge == "" {
		out.Rollout.MaxSurge = DefaultMaxSurge
	}
	if out.Rollout.MaxUnavailable == "" {
		out.Rollout.MaxUnavailable = DefaultMaxUnavailable
	}
	if out.Rollout.ProgressDeadlineSeconds == 0 {
		out.Rollout.ProgressDeadlineSeconds = DefaultProgressDeadlineSeconds
	}
	out.Rollout.withDefaults()
	return out
}

// DesiredReplicas is the replica count a rollout waits for: the fixed count,
// or the autoscaling minimum.
func (s Spec) DesiredReplicas() int32 {
	switch {
	case s.Replicas != nil:
		return *s.Replicas
	case s.Scaling != nil:
		return s.Scaling.Min
	default:
		return DefaultReplicas
	}
}

func (s Spec) clone() Spec {
	out := s
	out.Command = append([]string(nil), s.Command...)
	out.Args = append([]string(nil), s.Args...)
	out.Endpoints = append([]Endpoint(nil), s.Endpoints...)
	out.Secrets = append([]SecretRef(nil), s.Secrets...)
	if s.Env != nil {
		out.Env = make(map[string]string, len(s.Env))
		for k, v := range s.Env {
			out.Env[k] = v
		}
	}
	if s.PodAnnotations != nil {
		out.PodAnnotations = make(map[string]string, len(s.PodAnnotations))
		for k, v := range s.PodAnnotations {
			out.PodAnnotations[k] = v
		}
	}
	out.Replicas = clonePtr(s.Replicas)
	out.Scaling = clonePtr(s.Scaling)
	out.Model = clonePtr(s.Model)
	out.Readiness = clonePtr(s.Readiness)
	out.Liveness = clonePtr(s.Liveness)
	out.Rollout = s.Rollout.clone()
	return out
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
