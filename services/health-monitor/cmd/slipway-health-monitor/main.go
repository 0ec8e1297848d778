// Command slipway-health-monitor runs the health-monitor service on its own.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"slipway.dev/pkg/telemetry"
	monitor "slipway.dev/services/health-monitor"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := monitor.LoadConfig(os.Args[1:], os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "slipway-health-monitor:", err)
		os.Exit(2)
	}
	level, err := telemetry.LevelFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	cfg.Logger = telemetry.Logger(os.Stderr, "health-monitor", level)
	shutdown, err := telemetry.Setup(ctx, "slipway-health-monitor")
	if err != nil {
		cfg.Logger.Error("telemetry", "err", err)
		os.Exit(1)
	}
	defer func() { _ = shutdown(context.Background()) }()
	if err := monitor.Run(ctx, cfg); err != nil {
		cfg.Logger.Error("health-monitor stopped", "err", err)
		os.Exit(1)
	}
}
