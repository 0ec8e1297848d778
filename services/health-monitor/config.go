package monitor

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/metrics"
	"slipway.dev/pkg/telemetry"
)

// Config is everything the health monitor needs, read once at start.
type Config struct {
	NATSURL string
	// StreamReplicas is how many copies of every stream and bucket this
	// service declares, on as many nodes of the NATS cluster: live ones with
	// fewer are raised in place, never lowered (0: 1; bus.WithReplicas).
	StreamReplicas int
	// Targets, when set, are used as they are; otherwise TargetConfigs are connected.
	Targets       *kube.Targets
	TargetConfigs []kube.TargetConfig
	// Interval is how often every deployment is sampled; 0 means 1s.
	Interval time.Duration
	// Window is the N-of-M rule a new health must pass to be published; the
	// zero value means DefaultWindow (or the one Settle implies).
	Window Window
	// Settle is the older setting, kept for compatibility: a new health must
	// hold over Settle, i.e. on N consecutive samples (window N/N) with
	// N = ceil(Settle/Interval)+1. Only used when Window is zero.
	Settle time.Duration
	// ProbeMode is ProbeOff ("" too) or ProbeInCluster.
	ProbeMode string
	// ProbeURL, when set, replaces the in-cluster URL of a Service's
	// readiness path (tests point it at a local server).
	ProbeURL func(namespace, service, path string) string
	// Connector builds clients of targets registered through the API; its
	// Home, when nil, is the in-cluster client or the default target's.
	Connector kube.Connector
	Logger    *slog.Logger
}

// Window is an N-of-M rule: a new health is published once at least N of the
// last M samples agree on it (the latest included).
type Window struct{ N, M int }

// DefaultWindow is 3 of the last 5 samples.
var DefaultWindow = Window{N: 3, M: 5}

// maxWindow bounds M: each deployment keeps its last M samples.
const maxWindow = 100

// String formats w as "N/M".
func (w Window) String() string { return fmt.Sprintf("%d/%d", w.N, w.M) }

// ParseWindow reads "N/M", e.g. "3/5".
func ParseWindow(s string) (Window, error) {
	n, m, ok := strings.Cut(s, "/")
	var w Window
	var errN, errM error
	w.N, errN = strconv.Atoi(strings.TrimSpace(n))
	w.M, errM = strconv.Atoi(strings.TrimSpace(m))
	if !ok || errN != nil || errM != nil {
		return Window{}, fmt.Errorf("health window %q: want N/M like 3/5", s)
	}
	return w, w.validate()
}

func (w Window) validate() error {
	if w.N < 1 || w.M < w.N || w.M > maxWindow {
		return fmt.Errorf("health window %s: want 1 <= N <= M <= %d", w, maxWindow)
	}
	return nil
}

// Probe modes.
const (
	// ProbeOff: no HTTP probes; health comes from Kubernetes alone.
	ProbeOff = "off"
	// ProbeInCluster: GET http://<service>.<namespace>.svc.cluster.local<path>
	// for each deployment whose container has an HTTP readiness probe, with
	// that probe's path. Needs the monitor to run inside the target cluster.
	ProbeInCluster = "in-cluster"
)

// Environment variables the monitor reads.
const (
	EnvNATSURL = "SLIPWAY_NATS_URL"
	// EnvStreamReplicas sets StreamReplicas.
	EnvStreamReplicas = bus.EnvStreamReplicas
	EnvWindow         = "SLIPWAY_HEALTH_WINDOW"
	EnvInterval       = "SLIPWAY_HEALTH_INTERVAL"
	EnvProbeMode      = "SLIPWAY_PROBE_MODE"
	// EnvSettle is the older setting (see Config.Settle); it may not be
	// combined with EnvWindow.
	EnvSettle = "SLIPWAY_HEALTH_SETTLE"
)

// EnvVars lists every environment variable the monitor reads.
func EnvVars() []string {
	return append([]string{EnvNATSURL, EnvStreamReplicas, EnvWindow, EnvInterval, EnvProbeMode, EnvSettle, telemetry.EnvLogLevel, metrics.EnvAddr, telemetry.EnvPprofAddr}, kube.TargetEnvVars()...)
}

// LoadConfig reads flags, falling back to the environment, then to defaults.
// A value that does not parse is an error, never a default.
func LoadConfig(args []string, getenv func(string) string) (Config, error) {
	cfg := Config{NATSURL: getenv(EnvNATSURL), Interval: time.Second, ProbeMode: getenv(EnvProbeMode)}
	if cfg.NATSURL == "" {
		cfg.NATSURL = "nats://127.0.0.1:4222"
	}
	if cfg.ProbeMode == "" {
		cfg.ProbeMode = ProbeOff
	}
	var errs []error
	if raw := getenv(EnvWindow); raw != "" {
		w, err := ParseWindow(raw)
		errs = append(errs, prefix(EnvWindow, err))
		cfg.Window = w
	}
	if raw := getenv(EnvInterval); raw != "" {
		d, err := time.ParseDuration(raw)
		errs = append(errs, prefix(EnvInterval, err))
		cfg.Interval = d
	}
	if raw := getenv(EnvSettle); raw != "" {
		d, err := time.ParseDuration(raw)
		errs = append(errs, prefix(EnvSettle, err))
		cfg.Settle = d
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	fs := flag.NewFlagSet("health-monitor", flag.ContinueOnError)
	fs.StringVar(&cfg.NATSURL, "nats-url", cfg.NATSURL, "NATS server URL")
	if err := bus.ReplicasFlag(fs, &cfg.StreamReplicas, getenv); err != nil {
		return Config{}, err
	}
	fs.DurationVar(&cfg.Interval, "interval", cfg.Interval, "how often every deployment is sampled")
	fs.Func("window", "N/M: publish a new health once N of the last M samples agree (default "+DefaultWindow.String()+")", func(s string) error {
		w, err := ParseWindow(s)
		cfg.Window = w
		return err
	})
	fs.DurationVar(&cfg.Settle, "settle", cfg.Settle, "deprecated: how long a new health must hold (use -window)")
	fs.StringVar(&cfg.ProbeMode, "probe-mode", cfg.ProbeMode, "HTTP probes of readiness paths: off or in-cluster")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if cfg.Interval <= 0 {
		return Config{}, fmt.Errorf("health interval %s: must be positive", cfg.Interval)
	}
	targets, err := kube.TargetConfigsFromEnv(getenv)
	if err != nil {
		return Config{}, err
	}
	cfg.TargetConfigs = targets
	return cfg, cfg.Validate()
}

func prefix(name string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
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
	if c.Interval < 0 || c.Settle < 0 {
		errs = append(errs, fmt.Errorf("interval %s and settle %s must not be negative", c.Interval, c.Settle))
	}
	if c.Window != (Window{}) {
		errs = append(errs, c.Window.validate())
		if c.Settle != 0 {
			errs = append(errs, errors.New("set the health window or settle, not both"))
		}
	}
	switch c.ProbeMode {
	case "", ProbeOff, ProbeInCluster:
	default:
		errs = append(errs, fmt.Errorf("probe mode %q: want %s or %s", c.ProbeMode, ProbeOff, ProbeInCluster))
	}
	return errors.Join(errs...)
}

// interval is the effective sampling interval.
func (c Config) interval() time.Duration {
	if c.Interval <= 0 {
		return time.Second
	}
	return c.Interval
}

// window is the effective N-of-M rule: Window, else the one Settle implies,
// else DefaultWindow.
func (c Config) window() Window {
	switch {
	case c.Window != (Window{}):
		return c.Window
	case c.Settle > 0:
		n := int(math.Ceil(float64(c.Settle)/float64(c.interval()))) + 1
		n = min(n, maxWindow)
		return Window{N: n, M: n}
	}
	return DefaultWindow
}
