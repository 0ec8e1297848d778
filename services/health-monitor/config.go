package monitor

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"slipway.dev/pkg/telemetry"
	"strconv"
	"time"

	"slipway.dev/pkg/kube"
)

// Config is everything the health monitor needs, read once at start.
type Config struct {
	NATSURL string
	// Targets, when set, are used as they are; otherwise TargetConfigs are connected.
	Targets       *kube.Targets
	TargetConfigs []kube.TargetConfig
	// Interval is how often health is evaluated; Settle how long a new state
	// must hold before it is published.
	Interval time.Duration
	Settle   time.Duration
	Logger   *slog.Logger
}

// Environment variables the monitor reads.
const (
	EnvNATSURL = "SLIPWAY_NATS_URL"
	EnvSettle  = "SLIPWAY_HEALTH_SETTLE"
)

// EnvVars lists every environment variable the monitor reads.
func EnvVars() []string {
	return append([]string{EnvNATSURL, EnvSettle, telemetry.EnvLogLevel}, kube.TargetEnvVars()...)
}

// LoadConfig reads flags, falling back to the environment, then to defaults.
func LoadConfig(args []string, getenv func(string) string) (Config, error) {
	fs := flag.NewFlagSet("health-monitor", flag.ContinueOnError)
	cfg := Config{Interval: time.Second}
	nats := getenv(EnvNATSURL)
	if nats == "" {
		nats = "nats://127.0.0.1:4222"
	}
	settle := 3 * time.Second
	if raw := getenv(EnvSettle); raw != "" {
		d, err := time.ParseDuration(raw)
		if err != nil {
			return Config{}, fmt.Errorf("%s=%q: not a duration like 3s", EnvSettle, raw)
		}
		settle = d
	}
	fs.StringVar(&cfg.NATSURL, "nats-url", nats, "NATS server URL")
	fs.DurationVar(&cfg.Settle, "settle", settle, "how long a health state must hold before it is published")
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

// Validate reports what is missing or wrong.
func (c Config) Validate() error {
	var errs []error
	if c.NATSURL == "" {
		errs = append(errs, errors.New("nats url is required"))
	}
	if c.Targets == nil && len(c.TargetConfigs) == 0 {
		errs = append(errs, errors.New("no target: set "+kube.EnvTargetsFile+" or "+kube.EnvKubeconfig+" or "+kube.EnvInCluster))
	}
	if c.Settle < 0 || c.Interval < 0 {
		errs = append(errs, errors.New("settle and interval must not be negative: "+strconv.Quote(c.Settle.String())))
	}
	return errors.Join(errs...)
}
