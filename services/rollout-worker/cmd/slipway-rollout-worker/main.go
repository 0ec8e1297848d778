// Command slipway-rollout-worker runs the rollout worker on its own.
package main

import (
	"log/slog"

	"slipway.dev/pkg/servicemain"
	worker "slipway.dev/services/rollout-worker"
)

func main() {
	servicemain.Main(servicemain.Service[worker.Config]{
		Name: "rollout-worker", Load: worker.LoadConfig, Run: worker.Run, Metrics: true,
		WithLogger: func(c worker.Config, l *slog.Logger) worker.Config { c.Logger = l; return c },
	})
}
