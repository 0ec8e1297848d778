// Command slipway-api runs the api service on its own; it serves /metrics itself.
package main

import (
	"log/slog"

	"slipway.dev/pkg/servicemain"
	api "slipway.dev/services/api"
)

func main() {
	servicemain.Main(servicemain.Service[api.Config]{
		Name: "api", Load: api.LoadConfig, Run: api.Run,
		WithLogger: func(c api.Config, l *slog.Logger) api.Config { c.Logger = l; return c },
	})
}
