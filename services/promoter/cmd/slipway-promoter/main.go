// Command slipway-promoter runs the promoter service on its own.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"slipway.dev/pkg/metrics"
	"slipway.dev/pkg/telemetry"
	"slipway.dev/services/promoter"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := promoter.LoadConfig(os.Args[1:], os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "slipway-promoter:", err)
		os.Exit(2)
	}
	level, err := telemetry.LevelFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	cfg.Logger = telemetry.Logger(os.Stderr, "promoter", level)
	shutdown, err := telemetry.Setup(ctx, "slipway-promoter")
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
	if err := promoter.Run(ctx, cfg); err != nil {
		cfg.Logger.Error("promoter stopped", "err", err)
		os.Exit(1)
	}
}
