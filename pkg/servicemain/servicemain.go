// Package servicemain is the one main every Slipway service binary runs:
// config read once from flags and the environment, JSON logs, telemetry,
// optional metrics and Go profiles, and a graceful stop on SIGINT or SIGTERM.
package servicemain

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"slipway.dev/pkg/memlimit"
	"slipway.dev/pkg/metrics"
	"slipway.dev/pkg/telemetry"
)

// Service describes one binary. Load reads its config; Run serves until the
// context ends; WithLogger hands it the process logger.
type Service[C any] struct {
	Name       string // e.g. rollout-worker
	Load       func(args []string, getenv func(string) string) (C, error)
	WithLogger func(C, *slog.Logger) C
	Run        func(context.Context, C) error
	// Metrics serves /metrics on SLIPWAY_METRICS_ADDR when set (services
	// with their own HTTP server expose it there instead).
	Metrics bool
}

// Main runs the service and exits: 2 for bad configuration, 1 when the
// service fails, 0 after a graceful stop.
func Main[C any](s Service[C]) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, s)
	stop()
	os.Exit(code)
}

func run[C any](ctx context.Context, s Service[C]) int {
	binary := "slipway-" + s.Name
	cfg, err := s.Load(os.Args[1:], os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, binary+":", err)
		return 2
	}
	level, err := telemetry.LevelFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, binary+":", err)
		return 2
	}
	log := telemetry.Logger(os.Stderr, s.Name, level)
	telemetry.RouteKlog(log)
	cfg = s.WithLogger(cfg, log)
	limitMemory(log)
	shutdown, err := telemetry.Setup(ctx, binary)
	if err != nil {
		log.Error("telemetry", "err", err)
		return 1
	}
	defer func() { _ = shutdown(context.Background()) }()
	if addr := os.Getenv(metrics.EnvAddr); s.Metrics && addr != "" {
		go func() {
			if err := metrics.Serve(ctx, addr); err != nil {
				log.Error("metrics", "err", err)
			}
		}()
	}
	if addr := os.Getenv(telemetry.EnvPprofAddr); addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			log.Error("profiles", "err", fmt.Errorf("%s=%q: %w", telemetry.EnvPprofAddr, addr, err))
			return 2
		}
		log.Info("serving Go profiles", "addr", ln.Addr().String())
		go func() {
			if err := telemetry.ServePprof(ctx, ln); err != nil {
				log.Error("profiles", "err", err)
			}
		}()
	}
	if err := s.Run(ctx, cfg); err != nil {
		log.Error(s.Name+" stopped", "err", err)
		return 1
	}
	return 0
}

// limitMemory gives the Go runtime a soft memory limit below the
// container's (memlimit), unless GOMEMLIMIT is set, and logs which. A
// cgroup file it cannot read leaves the runtime's default: the service
// runs as it would without the limit, with a warning.
func limitMemory(log *slog.Logger) {
	d, err := memlimit.Decide(os.Getenv, os.DirFS(memlimit.CgroupRoot))
	if err != nil {
		log.Warn("memory limit left to the Go runtime", "err", err)
		return
	}
	if d.Limit > 0 {
		debug.SetMemoryLimit(d.Limit)
	}
	log.Info("memory limit", "goMemLimitBytes", d.Limit, "containerBytes", d.Container, "why", d.Reason)
}
