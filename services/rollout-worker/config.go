package worker

import (
	"errors"
	"flag"
	"log/slog"
	"time"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/metrics"
	"slipway.dev/pkg/telemetry"
	"slipway.dev/services/rollout-worker/internal/analysis"
	"slipway.dev/services/rollout-worker/internal/drift"
)

// Drift policies: what the worker does when a managed object was changed
// outside Slipway. Each reports the drift as an event.
const (
	DriftPolicyRevert = drift.PolicyRevert
	DriftPolicyReport = drift.PolicyReport
	// DriftPolicyAdopt takes the change into a new revision when every
	// changed field maps to the spec (replicas, image, env values, command,
	// args); otherwise the drift is reported, never half adopted.
	DriftPolicyAdopt = drift.PolicyAdopt
)

// Config is everything the rollout worker needs, read once at start.
type Config struct {
	NATSURL string
	// StreamReplicas is how many copies of every stream and bucket this
	// service declares, on as many nodes of the NATS cluster: live ones with
	// fewer are raised in place, never lowered (0: 1; bus.WithReplicas).
	StreamReplicas int
	// Targets, when set, are used as they are (slipway dev and tests pass the
	// simulated or local cluster); otherwise TargetConfigs are connected.
	Targets       *kube.Targets
	TargetConfigs []kube.TargetConfig
	// MaxRollouts bounds the rollouts one worker drives at once.
	MaxRollouts int
	// Resync is how often a watched Deployment is re-read even without watch events.
	Resync time.Duration
	// DriftInterval is how often managed objects are compared with what
	// Slipway applied (0: never); DriftPolicy says what to do about drift.
	DriftInterval time.Duration
	DriftPolicy   string
	// TargetTimeout is how long a rollout waits for an unreachable target
	// before it fails with reason TargetUnavailable (0: 60 s).
	TargetTimeout time.Duration
	// TargetCheckInterval is how often every target's reachability is
	// checked and published (0: 15 s).
	TargetCheckInterval time.Duration
	// Connector builds clients of targets registered through the API; its
	// Home, when nil, is the in-cluster client or the default target's.
	Connector kube.Connector
	// PrometheusURL is the Prometheus server canaries' checks query
	// (http(s)://host:port); empty: none, and every check is inconclusive,
	// which pauses its canary (never passes it).
	PrometheusURL string
	Logger        *slog.Logger
}

// Environment variables the worker reads (docker-compose and deployments/ use these names).
const (
	EnvNATSURL = "SLIPWAY_NATS_URL"
	// EnvStreamReplicas sets StreamReplicas.
	EnvStreamReplicas = bus.EnvStreamReplicas
	EnvMaxRollouts    = "SLIPWAY_MAX_ROLLOUTS"
	EnvDriftInterval  = "SLIPWAY_DRIFT_INTERVAL"
	EnvDriftPolicy    = "SLIPWAY_DRIFT_POLICY"
	// EnvTargetTimeout and EnvTargetCheckInterval: see Config.
	EnvTargetTimeout       = "SLIPWAY_TARGET_TIMEOUT"
	EnvTargetCheckInterval = "SLIPWAY_TARGET_CHECK_INTERVAL"
	// EnvPrometheusURL: see Config.PrometheusURL.
	EnvPrometheusURL = "SLIPWAY_PROMETHEUS_URL"
)

// EnvVars lists every environment variable the worker reads.
func EnvVars() []string {
	return append([]string{EnvNATSURL, EnvStreamReplicas, EnvMaxRollouts, EnvDriftInterval, EnvDriftPolicy, EnvTargetTimeout, EnvTargetCheckInterval,
		EnvPrometheusURL, telemetry.EnvLogLevel, metrics.EnvAddr, telemetry.EnvPprofAddr}, kube.TargetEnvVars()...)
}

// LoadConfig reads flags, falling back to the environment, then to defaults.
func LoadConfig(args []string, getenv func(string) string) (Config, error) {
	fs := flag.NewFlagSet("rollout-worker", flag.ContinueOnError)
	cfg := Config{Resync: 2 * time.Second}
	fs.StringVar(&cfg.NATSURL, "nats-url", envOr(getenv, EnvNATSURL, "nats://127.0.0.1:4222"), "NATS server URL")
	maxRollouts, err := envInt(getenv, EnvMaxRollouts, 64)
	if err != nil {
		return Config{}, err
	}
	drift, err := envDuration(getenv, EnvDriftInterval, 30*time.Second)
	if err != nil {
		return Config{}, err
	}
	targetTimeout, err := envDuration(getenv, EnvTargetTimeout, defaultTargetTimeout)
	if err != nil {
		return Config{}, err
	}
	targetCheck, err := envDuration(getenv, EnvTargetCheckInterval, defaultTargetCheckInterval)
	if err != nil {
		return Config{}, err
	}
	if err := bus.ReplicasFlag(fs, &cfg.StreamReplicas, getenv); err != nil {
		return Config{}, err
	}
	fs.IntVar(&cfg.MaxRollouts, "max-rollouts", maxRollouts, "rollouts driven at once")
	fs.DurationVar(&cfg.TargetTimeout, "target-timeout", targetTimeout, "how long a rollout waits for an unreachable target before it fails")
	fs.DurationVar(&cfg.TargetCheckInterval, "target-check-interval", targetCheck, "how often targets' reachability is checked")
	fs.DurationVar(&cfg.DriftInterval, "drift-interval", drift, "how often managed objects are checked for changes made outside Slipway (0: never)")
	fs.StringVar(&cfg.PrometheusURL, "prometheus-url", getenv(EnvPrometheusURL), "the Prometheus server canaries' checks query, http(s)://host:port")
	fs.StringVar(&cfg.DriftPolicy, "drift-policy", envOr(getenv, EnvDriftPolicy, DriftPolicyRevert), "what to do about drift: revert, report or adopt")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	targets, err := kube.TargetConfigsFromEnv(getenv)
	if err != nil {
		return Config{}, err
	}
	cfg.TargetConfigs = targets
	return cfg, cfg.Validate()
}

// Defaults of the target settings.
const (
	defaultTargetTimeout       = 60 * time.Second
	defaultTargetCheckInterval = 15 * time.Second
)

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Validate reports what is missing or wrong.
func (c Config) Validate() error {
	var errs []error
	if c.NATSURL == "" {
		errs = append(errs, errors.New("nats url is required"))
	}
	if c.StreamReplicas != 0 {
		if err := bus.CheckReplicas(c.StreamReplicas); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Targets == nil && len(c.TargetConfigs) == 0 {
		errs = append(errs, errors.New("no target: set "+kube.EnvTargetsFile+" or "+kube.EnvKubeconfig+" or "+kube.EnvInCluster))
	}
	switch c.DriftPolicy {
	case "", DriftPolicyRevert, DriftPolicyReport, DriftPolicyAdopt:
	default:
		errs = append(errs, errors.New("drift policy must be revert, report or adopt"))
	}
	if c.TargetTimeout < 0 || c.TargetCheckInterval < 0 {
		errs = append(errs, errors.New("target timeout and check interval must not be negative"))
	}
	if c.PrometheusURL != "" {
		if _, err := analysis.NewPrometheus(c.PrometheusURL); err != nil {
			errs = append(errs, err)
		}
	}
	if c.MaxRollouts < 0 {
		errs = append(errs, errors.New("max rollouts must not be negative"))
	}
	return errors.Join(errs...)
}
