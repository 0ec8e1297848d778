// Package promoter is the promotion service. It owns the promotion commands
// on COMMANDS. Promotion planning (plan, diff, apply) is not built yet; until
// it is, the promoter settles every promotion command it receives as rejected
// with the reason below, so no caller waits on an operation that cannot end.
package promoter

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"slipway.dev/pkg/metrics"
	"slipway.dev/pkg/telemetry"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
)

// ReasonUnsupported is the rejection reason while promotions are not built.
const ReasonUnsupported = "PromotionUnsupported"

// Config is everything the promoter needs.
type Config struct {
	NATSURL string
	Logger  *slog.Logger
}

// EnvNATSURL is the NATS URL variable.
const EnvNATSURL = "SLIPWAY_NATS_URL"

// EnvVars lists every environment variable the promoter reads.
func EnvVars() []string { return []string{EnvNATSURL, telemetry.EnvLogLevel, metrics.EnvAddr} }

// LoadConfig reads flags, falling back to the environment, then to defaults.
func LoadConfig(args []string, getenv func(string) string) (Config, error) {
	fs := flag.NewFlagSet("promoter", flag.ContinueOnError)
	def := getenv(EnvNATSURL)
	if def == "" {
		def = "nats://127.0.0.1:4222"
	}
	var cfg Config
	fs.StringVar(&cfg.NATSURL, "nats-url", def, "NATS server URL")
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
	conn, err := bus.Connect(ctx, cfg.NATSURL, "slipway-promoter")
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.EnsureTopology(ctx); err != nil {
		return err
	}
	cons, err := conn.JS.CreateOrUpdateConsumer(ctx, events.StreamCommands, events.PromoterConsumer())
	if err != nil {
		return fmt.Errorf("promotion consumer: %w", err)
	}
	sub, err := cons.Consume(func(m jetstream.Msg) { handle(context.WithoutCancel(ctx), conn, log, m) })
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

func handle(ctx context.Context, conn *bus.Conn, log *slog.Logger, m jetstream.Msg) {
	env, err := events.Unmarshal(m.Data())
	if err != nil {
		_ = m.TermWithReason("malformed envelope")
		return
	}
	ref, ok := parseRef(env.Subject)
	if !ok {
		_ = m.TermWithReason("no deployment in subject")
		return
	}
	rej, _ := events.Wrap(events.CommandRejected{CommandType: env.Type, Reason: ReasonUnsupported,
		Message: "promotions are not available in this version of Slipway"},
		events.Meta{ID: env.ID + ".d1", Source: "/slipway/promoter", Subject: env.Subject, Time: time.Now().UTC(),
			Actor: env.Actor, CorrelationID: env.CorrelationID, CausationID: env.ID})
	subject := events.DeploymentSubject(ref)
	for attempt := 0; attempt < 10; attempt++ {
		last, err := conn.LastSeq(ctx, subject)
		if err == nil {
			_, err = conn.Append(ctx, subject, rej, last)
		}
		if err == nil {
			_ = m.Ack()
			return
		}
		if !errors.Is(err, bus.ErrConflict) {
			log.WarnContext(ctx, "settle promotion", "err", err)
			break
		}
	}
	_ = m.NakWithDelay(time.Second)
}

func parseRef(subject string) (events.DeploymentRef, bool) {
	return events.ParseDeploymentSubject("slipway.evt.deployment." + dotted(subject))
}

func dotted(s string) string {
	out := []byte(s)
	for i, b := range out {
		if b == '/' {
			out[i] = '.'
		}
	}
	return string(out)
}
