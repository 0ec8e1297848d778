package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"slipway.dev/cmd/slipway/devstack"
	"slipway.dev/cmd/slipway/internal/cli"
	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/embedded"
	"slipway.dev/pkg/kube/localplane"
	"slipway.dev/pkg/telemetry"
	api "slipway.dev/services/api"
)

type devConfig struct {
	Addr       string
	DataDir    string
	Cluster    string
	Kubeconfig string
	Namespace  string
	LogStderr  bool
	Auth       bool
	// Limits are the per-caller rate limits applied with --auth.
	Limits rateLimits
}

// rateLimits are per-caller limits: changes (mutating requests) and reads
// (GETs and event stream opens), each a rate per second and a burst.
type rateLimits struct {
	Rate, ReadRate   float64
	Burst, ReadBurst int
}

func (c devConfig) Validate() error {
	if c.Addr == "" || c.DataDir == "" {
		return errors.New("--addr and --data are required")
	}
	if !c.Auth && !loopback(c.Addr) {
		return fmt.Errorf("--addr %s is reachable from other machines: add --auth, or listen on 127.0.0.1", c.Addr)
	}
	if l := c.Limits; l.Rate < 0 || l.Burst < 0 || l.ReadRate < 0 || l.ReadBurst < 0 {
		return errors.New("rate limits and bursts must not be negative")
	}
	switch c.Cluster {
	case devstack.ClusterAuto, devstack.ClusterLocal, devstack.ClusterSimulated:
	default:
		return fmt.Errorf("--cluster %q: want auto, local or simulated", c.Cluster)
	}
	return nil
}

func runDev(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	var cfg devConfig
	fs := devFlags(&cfg, stderr, getenv)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(stderr, "slipway dev:", err)
		return 2
	}
	logOut := stderr
	if !cfg.LogStderr {
		f, err := openDevLog(cfg.DataDir)
		if err != nil {
			fmt.Fprintln(stderr, "slipway dev:", err)
			return 1
		}
		defer f.Close()
		logOut = f
	}
	log := telemetry.Logger(logOut, "slipway-dev", slog.LevelInfo)
	telemetry.RouteKlog(log) // to the dev log, not the console
	shutdown, err := telemetry.Setup(ctx, "slipway")
	if err != nil {
		fmt.Fprintln(stderr, "slipway dev:", err)
		return 1
	}
	defer func() { _ = shutdown(context.Background()) }()

	var auth *api.AuthConfig
	token := ""
	if cfg.Auth {
		if token, err = devAdminToken(cfg.DataDir); err != nil {
			fmt.Fprintln(stderr, "slipway dev:", err)
			return 1
		}
		auth = devAuthConfig(token, cfg.Limits)
	}
	stack, err := devstack.Start(ctx, devstack.Options{AllowPrivateWebhookTargets: true, DataDir: cfg.DataDir, Addr: cfg.Addr, ClusterMode: cfg.Cluster,
		Kubeconfig: cfg.Kubeconfig, Namespace: cfg.Namespace, Auth: auth, Logger: log})
	if err != nil {
		fmt.Fprintln(stderr, "slipway dev:", err)
		return 1
	}
	if err := writeDevCredentials(cfg.DataDir, stack.URL, token); err != nil {
		log.Warn("write CLI credentials", "err", err)
	}
	printBanner(stdout, cfg, stack, token)
	log.Info("slipway dev started", "api", stack.URL, "cluster", stack.Cluster, "target", stack.Target.Name,
		"simulated", stack.Simulated, "nats", bus.Redacted(stack.NATSURL), "mongodb", stack.MongoURI)
	select {
	case <-ctx.Done():
	case <-waitErr(stack):
	}
	fmt.Fprintln(stdout, "slipway dev: stopping")
	if err := stack.Close(); err != nil {
		fmt.Fprintln(stderr, "slipway dev:", err)
		return 1
	}
	return 0
}

// devFlags defines slipway dev's flags on cfg.
func devFlags(cfg *devConfig, stderr io.Writer, getenv func(string) string) *flag.FlagSet {
	fs := flag.NewFlagSet("slipway dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "where the API listens (HOST:PORT)")
	fs.StringVar(&cfg.DataDir, "data", cli.DefaultDevData, "folder for NATS and FerretDB data; kept across restarts")
	fs.StringVar(&cfg.Cluster, "cluster", devstack.ClusterAuto, "Kubernetes target: auto (the --kubeconfig cluster when given, "+
		"else a local control plane when its binaries are built, else simulated), local (a real control plane with "+
		"KWOK nodes, in <data>/kube; build it once with: "+localplane.BuildCommand+") or simulated (in process)")
	fs.StringVar(&cfg.Kubeconfig, "kubeconfig", getenv("KUBECONFIG"), "with --cluster auto, deploy to the cluster of this kubeconfig")
	fs.StringVar(&cfg.Namespace, "namespace", "default", "namespace deployments go to")
	fs.BoolVar(&cfg.LogStderr, "log-stderr", false, "write JSON logs to stderr instead of <data>/slipway.log")
	fs.BoolVar(&cfg.Auth, "auth", false, "require API tokens: prints a global-admin token (kept in <data>/admin-token) that the slipway CLI uses "+
		"when run from this folder with the default --data, else with SLIPWAY_DEV_DATA=<data>")
	fs.Float64Var(&cfg.Limits.Rate, "rate-limit", api.DefaultRatePerSecond, "with --auth, mutating requests per second per caller (0: no limit)")
	fs.IntVar(&cfg.Limits.Burst, "rate-burst", api.DefaultRateBurst, "with --auth, burst of mutating requests per caller")
	fs.Float64Var(&cfg.Limits.ReadRate, "read-rate-limit", api.DefaultReadRatePerSecond, "with --auth, reads (GET, event stream opens) per second per caller (0: no limit)")
	fs.IntVar(&cfg.Limits.ReadBurst, "read-rate-burst", api.DefaultReadRateBurst, "with --auth, burst of reads per caller")
	return fs
}

// openDevLog opens <data>/slipway.log for appending. The log names the
// embedded servers and what callers did, so it and its folder are the
// owner's only (0600 in 0700), also when an earlier version made them wider.
func openDevLog(dataDir string) (*os.File, error) {
	if err := embedded.PrivateDir(dataDir); err != nil {
		return nil, err
	}
	path := filepath.Join(dataDir, "slipway.log")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("make %s private: %w", path, err)
	}
	return f, nil
}

func waitErr(s *devstack.Stack) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- s.Wait() }()
	return ch
}

func printBanner(w io.Writer, cfg devConfig, s *devstack.Stack, token string) {
	target := s.ClusterDescription
	if s.Simulated {
		target += " (use --cluster local or --kubeconfig for a real one)"
	}
	logs := filepath.Join(cfg.DataDir, "slipway.log")
	if cfg.LogStderr {
		logs = "stderr"
	}
	fmt.Fprintf(w, `Slipway dev is running.
  API:     %s
  Console: %s/ui/
  Target:  %s
  Data:    %s (NATS JetStream and FerretDB; kept across restarts)
  Logs:    %s
`, s.URL, s.URL, target, cfg.DataDir, logs)
	printAuth(w, cfg, token)
	printCLI(w, cfg, token)
	authHeader := ""
	if token != "" {
		authHeader = " -H \"Authorization: Bearer $(cat " + filepath.Join(cfg.DataDir, "admin-token") + ")\""
	}
	fmt.Fprintf(w, `Try:
  curl -s -X POST '%s/v1/projects/acme/fraud/deployments?wait=60s' -H 'Content-Type: application/json'%s \
    -d '{"name":"scorer","spec":{"image":"ghcr.io/acme/scorer:1.0","replicas":3}}'
Press Ctrl-C to stop.
`, s.URL, authHeader)
}
