// Command slipway-health-monitor runs the health monitor on its own.
package main

import (
	"log/slog"

	"slipway.dev/pkg/servicemain"
	monitor "slipway.dev/services/health-monitor"
)

func main() {
	servicemain.Main(servicemain.Service[monitor.Config]{
		Name: "health-monitor", Load: monitor.LoadConfig, Run: monitor.Run, Metrics: true,
		WithLogger: func(c monitor.Config, l *slog.Logger) monitor.Config { c.Logger = l; return c },
	})
}
