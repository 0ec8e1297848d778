// Package api is Slipway's api service: the HTTP API, command intake, and
// the projector that keeps the MongoDB read models current.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/metrics"
	"slipway.dev/services/api/internal/access"
	"slipway.dev/services/api/internal/catalog"
	"slipway.dev/services/api/internal/console"
	"slipway.dev/services/api/internal/eventfeed"
	"slipway.dev/services/api/internal/httpapi"
	"slipway.dev/services/api/internal/intake"
	"slipway.dev/services/api/internal/leader"
	"slipway.dev/services/api/internal/projector"
	"slipway.dev/services/api/internal/readmodel"
	"slipway.dev/services/api/internal/webhooks"
)

// Run serves until ctx ends, then drains HTTP requests and stops. Stopped
// while it starts (ctx ended before it was serving) is not a failure.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("api config: %w", err)
	}
	if err := run(ctx, cfg.withDefaults()); err != nil && ctx.Err() == nil {
		return err
	}
	return nil
}

func run(ctx context.Context, cfg Config) error {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	conn, err := bus.Connect(ctx, cfg.NATSURL, "slipway-api", bus.WithReplicas(cfg.StreamReplicas))
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.EnsureTopology(ctx); err != nil {
		return err
	}
	store, err := readmodel.Open(ctx, cfg.MongoURI, cfg.MongoDB)
	if err != nil {
		return err
	}
	defer func() { _ = store.Close(context.Background()) }()
	if err := store.EnsureIndexes(ctx); err != nil {
		return err
	}
	in, err := intake.New(ctx, conn)
	if err != nil {
		return err
	}
	cat, err := catalog.Watch(ctx, conn)
	if err != nil {
		return err
	}
	keys, err := webhookKeys(cfg)
	if err != nil {
		return err
	}
	if keys == nil {
		log.WarnContext(ctx, "webhook signing secrets are stored unencrypted ("+EnvWebhookSecretsUnsealed+"); set "+EnvWebhookKeyFile+" to seal them")
	}
	hooks, err := webhooks.Open(ctx, webhooks.Config{Bus: conn, MongoURI: cfg.MongoURI, MongoDB: cfg.MongoDB, Keys: keys,
		AllowPrivateTargets: cfg.AllowPrivateWebhookTargets, Retry: webhooks.Retry{Schedule: cfg.WebhookRetrySchedule}, Logger: log.With("component", "webhooks")})
	if err != nil {
		return err
	}
	defer func() { _ = hooks.Close() }()
	tokens, authn, err := setupAuth(ctx, cfg.Auth, conn, log)
	if err != nil {
		return err
	}
	notify := projector.NewNotifier()
	view := readmodel.NewDeploymentView(viewLimit)
	fleet := readmodel.NewFleetIndex()
	projectorLease, err := newLease(ctx, conn, cfg, "projector", metrics.ProjectorLeader, log)
	if err != nil {
		return err
	}
	webhooksLease, err := newLease(ctx, conn, cfg, "webhooks", metrics.WebhooksLeader, log)
	if err != nil {
		return err
	}
	handler := httpapi.New(httpapi.Deps{Reads: viewReads{Reads: store, view: view, fleet: fleet, written: notify}, Commands: in, Changes: notify, Targets: cat, Stream: feedAdapter{eventfeed.New(conn, cfg.MaxEventStreams)}, Webhooks: hooks, Logger: log,
		BusMaxPayload: conn.MaxPayload,
		Ready: func() error {
			if !conn.Connected() {
				return errors.New("not connected")
			}
			return nil
		},
		Auth: authn, Tokens: tokens, Access: access.NewJournal(conn, log), Limiter: access.NewLimiter(cfg.Auth.RatePerSecond, cfg.Auth.RateBurst),
		ReadLimiter: access.NewLimiter(cfg.Auth.ReadRatePerSecond, cfg.Auth.ReadRateBurst),
		CORSOrigins: cfg.Auth.CORSOrigins, MetricsNeedAuth: cfg.Auth.MetricsNeedAuth})
	ln := cfg.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.HTTPAddr); err != nil {
			return fmt.Errorf("listen %s: %w", cfg.HTTPAddr, err)
		}
	}
	srv := httpapi.Server(console.Mount(handler, console.Options{OIDCIssuer: cfg.Auth.OIDC.IssuerURL, OIDCClientID: cfg.Auth.OIDC.Audience}))

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		return projectorLease.Run(gctx, throughFailover(log, "projector", func(ctx context.Context) error {
			// A fresh projector each time this replica leads: another replica
			// may have written documents meanwhile, so no cache (nor the view
			// fed by it) from an earlier term may be trusted.
			view.Reset()
			defer view.Reset()
			fleet.Reset()
			defer fleet.Reset()
			proj := projector.New(conn, store, notify, log)
			proj.PublishTo(published{view, fleet})
			go loadFleet(ctx, fleet, store, log)
			return proj.Run(ctx)
		}))
	})
	g.Go(func() error { return webhooksLease.Run(gctx, throughFailover(log, "webhook dispatcher", hooks.Run)) })
	g.Go(func() error {
		log.InfoContext(ctx, "api listening", "addr", ln.Addr().String())
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve http: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(shutdownCtx)
	})
	err = g.Wait()
	log.Info("api stopped")
	return err
}

// viewLimit is how many deployment documents the api keeps in memory for
// lookups, like the projector's own cache of written documents.
const viewLimit = 10000

// feedAdapter gives the HTTP layer the feed through its own interface.
type feedAdapter struct{ *eventfeed.Feed }

func (f feedAdapter) Events(ctx context.Context, subject string, after uint64) (httpapi.EventIterator, error) {
	return f.Feed.Events(ctx, subject, after)
}

// newLease is the lease that makes one replica per database do job: the
// projector (the read models' only writer, docs/ARCHITECTURE.md,
// "Concurrency") or the webhook dispatcher (each delivery's only writer).
func newLease(ctx context.Context, conn *bus.Conn, cfg Config, job string, leading prometheus.Gauge, log *slog.Logger) (*leader.Lease, error) {
	kv, err := conn.KeyValue(ctx, events.BucketLeases)
	if err != nil {
		return nil, fmt.Errorf("leases bucket: %w", err)
	}
	return leader.New(leader.Config{KV: kv, Key: job + "." + cfg.MongoDB, Holder: cfg.InstanceID, TTL: cfg.ProjectorLeaseTTL,
		Logger: log.With("component", job+"-lease"),
		OnChange: func(on bool) {
			if on {
				leading.Set(1)
			} else {
				leading.Set(0)
			}
		}})
}

// webhookKeys is the keyring sealing webhook signing secrets: from the key
// file, or the keys given in code; nil when secrets are stored unsealed.
func webhookKeys(cfg Config) (*webhooks.Keyring, error) {
	keys := cfg.WebhookKeys
	if cfg.WebhookKeyFile != "" {
		raw, err := os.ReadFile(cfg.WebhookKeyFile)
		if err != nil {
			return nil, fmt.Errorf("webhook key file: %w", err)
		}
		if keys, err = webhooks.ParseKeys(string(raw)); err != nil {
			return nil, fmt.Errorf("webhook key file %s: %w", cfg.WebhookKeyFile, err)
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	return webhooks.NewKeyring(keys)
}
