// Command slipway-api runs the api service on its own.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"slipway.dev/pkg/telemetry"
	api "slipway.dev/services/api"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := api.LoadConfig(os.Args[1:], os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "slipway-api:", err)
		os.Exit(2)
	}
	level, err := telemetry.LevelFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	cfg.Logger = telemetry.Logger(os.Stderr, "api", level)
	shutdown, err := telemetry.Setup(ctx, "slipway-api")
	if err != nil {
		cfg.Logger.Error("telemetry", "err", err)
		os.Exit(1)
	}
	defer func() { _ = shutdown(context.Background()) }()
	if err := api.Run(ctx, cfg); err != nil {
		cfg.Logger.Error("api stopped", "err", err)
		os.Exit(1)
	}
}
