// Command slipway-promoter runs the promoter on its own.
package main

import (
	"log/slog"

	"slipway.dev/pkg/servicemain"
	"slipway.dev/services/promoter"
)

func main() {
	servicemain.Main(servicemain.Service[promoter.Config]{
		Name: "promoter", Load: promoter.LoadConfig, Run: promoter.Run, Metrics: true,
		WithLogger: func(c promoter.Config, l *slog.Logger) promoter.Config { c.Logger = l; return c },
	})
}
