// Command slipway-rollout-worker runs the rollout-worker service on its own.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"slipway.dev/pkg/metrics"
	"slipway.dev/pkg/telemetry"
	worker "slipway.dev/services/rollout-worker"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := worker.LoadConfig(os.Args[1:], os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "slipway-rollout-worker:", err)
		os.Exit(2)
	}
	level, err := telemetry.LevelFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	cfg.Logger = telemetry.Logger(os.Stderr, "rollout-worker", level)
	shutdown, err := telemetry.Setup(ctx, "slipway-rollout-worker")
	if err != nil {
		cfg.Logger.Error("telemetry", "err", err)
		os.Exit(1)
	}
	defer func() { _ = shutdown(context.Background()) }()
	if addr := os.Getenv(metrics.EnvAddr); addr != "" {
		go func() {
			if err := metrics.Serve(ctx, addr); err != nil {
				cfg.Logger.Error("metrics", "err", err)
			}
		}()
	}
	if err := worker.Run(ctx, cfg); err != nil {
		cfg.Logger.Error("rollout-worker stopped", "err", err)
		os.Exit(1)
	}
}
