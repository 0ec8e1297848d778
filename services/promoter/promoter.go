// Package promoter is the promotion service: it plans the promotion of a
// deployment's revision onto another deployment (possibly on another
// target), records the plan for review, and applies it as a command to the
// target whose revision cause is the promotion.
package promoter

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/metrics"
	"slipway.dev/pkg/telemetry"
	"slipway.dev/pkg/topology"
)

// Config is everything the promoter needs.
type Config struct {
	NATSURL string
	// StreamReplicas is how many copies of every stream and bucket this
	// service declares, on as many nodes of the NATS cluster: live ones with
	// fewer are raised in place, never lowered (0: 1; bus.WithReplicas).
	StreamReplicas int
	Logger         *slog.Logger
}

// EnvNATSURL is the NATS URL variable; EnvStreamReplicas sets StreamReplicas.
const (
	EnvNATSURL        = "SLIPWAY_NATS_URL"
	EnvStreamReplicas = bus.EnvStreamReplicas
)

// EnvVars lists every environment variable the promoter reads.
func EnvVars() []string {
	return []string{EnvNATSURL, EnvStreamReplicas, telemetry.EnvLogLevel, metrics.EnvAddr, telemetry.EnvPprofAddr}
}

// LoadConfig reads flags, falling back to the environment, then to defaults.
func LoadConfig(args []string, getenv func(string) string) (Config, error) {
	fs := flag.NewFlagSet("promoter", flag.ContinueOnError)
	def := getenv(EnvNATSURL)
	if def == "" {
		def = "nats://127.0.0.1:4222"
	}
	var cfg Config
	fs.StringVar(&cfg.NATSURL, "nats-url", def, "NATS server URL")
	if err := bus.ReplicasFlag(fs, &cfg.StreamReplicas, getenv); err != nil {
		return Config{}, err
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	return cfg, cfg.Validate()
}

// Validate reports what is missing.
func (c Config) Validate() error {
	if c.NATSURL == "" {
		return errors.New("nats url is required")
	}
	if c.StreamReplicas != 0 {
		return bus.CheckReplicas(c.StreamReplicas)
	}
	return nil
}

// Run consumes promotion commands until ctx ends.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("promoter config: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	conn, err := bus.Connect(ctx, cfg.NATSURL, "slipway-promoter", bus.WithReplicas(cfg.StreamReplicas))
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.EnsureTopology(ctx); err != nil {
		return err
	}
	cons, err := conn.Consumer(ctx, events.StreamCommands, topology.PromoterConsumer())
	if err != nil {
		return fmt.Errorf("promotion consumer: %w", err)
	}
	h := &handler{bus: conn, log: log}
	sub, err := cons.Consume(func(m jetstream.Msg) { h.handle(context.WithoutCancel(ctx), m) })
	if err != nil {
		return fmt.Errorf("consume promotions: %w", err)
	}
	log.InfoContext(ctx, "promoter started")
	<-ctx.Done()
	sub.Drain()
	<-sub.Closed()
	log.Info("promoter stopped")
	return nil
}
