// Package metrics defines every Prometheus metric Slipway exports, in one
// place, registered on the default registry. Names follow Prometheus
// conventions (slipway_ prefix, _total counters, _seconds durations).
package metrics

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

var (
	// HTTPRequests counts API requests by route and status code.
	HTTPRequests = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "slipway_http_requests_total", Help: "API requests by method, route and status code.",
	}, []string{"method", "route", "code"})
	// HTTPDuration observes API request latency by route.
	HTTPDuration = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name: "slipway_http_request_duration_seconds", Help: "API request latency by method and route.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10, 60},
	}, []string{"method", "route"})
	// CommandsAccepted counts commands durably accepted by the api.
	CommandsAccepted = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "slipway_commands_accepted_total", Help: "Commands durably accepted, by command kind.",
	}, []string{"kind"})
	// CommandsDecided counts decisions of the rollout worker by outcome
	// (decided: events appended; rejected; redelivered: already decided; error).
	CommandsDecided = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "slipway_commands_decided_total", Help: "Commands decided by the rollout worker, by type and outcome.",
	}, []string{"type", "outcome"})
	// Rollouts counts ended rollouts by outcome (succeeded, failed, aborted).
	Rollouts = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "slipway_rollouts_total", Help: "Rollouts that ended, by outcome and reason.",
	}, []string{"outcome", "reason"})
	// RolloutDuration observes how long successful rollouts took.
	RolloutDuration = promauto.NewHistogram(prometheus.HistogramOpts{
		Name: "slipway_rollout_duration_seconds", Help: "Duration of successful rollouts, from start to all replicas available.",
		Buckets: prometheus.ExponentialBuckets(0.25, 2, 14),
	})
	// RolloutsInFlight is the number of rollouts this worker drives now.
	RolloutsInFlight = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "slipway_rollouts_in_flight", Help: "Rollouts this worker is driving now.",
	})
	// ProjectionLag is how many events the projector has still to apply.
	ProjectionLag = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "slipway_projection_lag_events", Help: "Events stored but not yet applied to the read models.",
	})
	// ProjectorLeader is 1 while this api replica holds the projector's lease.
	ProjectorLeader = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "slipway_projector_leader", Help: "1 while this api replica runs the projector (holds its lease), else 0.",
	})
	// WebhooksLeader is 1 while this api replica delivers webhooks (holds their lease).
	WebhooksLeader = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "slipway_webhooks_leader", Help: "1 while this api replica runs the webhook dispatcher (holds its lease), else 0.",
	})
	// ProjectedEvents counts events applied to the read models.
	ProjectedEvents = promauto.NewCounter(prometheus.CounterOpts{
		Name: "slipway_projected_events_total", Help: "Events applied to the read models.",
	})
	// ProjectorFlushes counts the projector's flushes: writes of every read-model
	// document changed since the last one (once per event when caught up).
	ProjectorFlushes = promauto.NewCounter(prometheus.CounterOpts{
		Name: "slipway_projector_flushes_total", Help: "Flushes of the projector's write-behind set to the read models.",
	})
	// ProjectorFlushDuration observes how long each flush took to write its
	// documents and checkpoint (retries included).
	ProjectorFlushDuration = promauto.NewHistogram(prometheus.HistogramOpts{
		Name: "slipway_projector_flush_duration_seconds", Help: "Time one projector flush took to write its documents.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	})
	// ProjectorApplyBlocked is the time applying events waited for a flush
	// to take the write-behind set (at its limits): the store too slow for
	// the stream. Events waiting here are not yet visible in the api's view.
	ProjectorApplyBlocked = promauto.NewCounter(prometheus.CounterOpts{
		Name: "slipway_projector_apply_blocked_seconds_total", Help: "Time the projector's applying waited for a flush (backpressure).",
	})
	// ProjectorEventAge observes, for each event the projector applied, the
	// time from its storing in EVENTS to its being applied and shown by the
	// api's view: the store-independent part of "event -> visible". It
	// includes catching up after a start or a rebuild, where ages are the
	// backlog's.
	ProjectorEventAge = promauto.NewHistogram(prometheus.HistogramOpts{
		Name: "slipway_projector_event_age_seconds", Help: "Age of each event (since stored in EVENTS) when the projector applied it.",
		Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	})
	// ProjectorWrites counts read-model documents the projector wrote.
	ProjectorWrites = promauto.NewCounter(prometheus.CounterOpts{
		Name: "slipway_projector_document_writes_total", Help: "Read-model documents written by the projector.",
	})
	// HistoryEventsRead counts the events the rollout worker read from
	// deployments' histories: with its folds kept, about the events
	// appended, not the histories' lengths times the reads.
	HistoryEventsRead = promauto.NewCounter(prometheus.CounterOpts{
		Name: "slipway_history_events_read_total", Help: "Events the rollout worker read from deployment histories.",
	})
	// HealthTransitions counts published health transitions.
	HealthTransitions = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "slipway_health_transitions_total", Help: "Health transitions published, by new state and reason.",
	}, []string{"to", "reason"})
	// WebhookDeliveries counts webhook delivery attempts by outcome
	// (delivered, retry, dead).
	WebhookDeliveries = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "slipway_webhook_deliveries_total", Help: "Webhook delivery attempts by outcome.",
	}, []string{"outcome"})
)

// Handler serves the default registry in the Prometheus text format.
func Handler() http.Handler { return promhttp.Handler() }

// EnvAddr names the variable with the address a service without an HTTP
// API serves /metrics on (empty: not served).
const EnvAddr = "SLIPWAY_METRICS_ADDR"

// Serve serves /metrics on addr until ctx ends.
func Serve(ctx context.Context, addr string) error {
	mux := http.NewServeMux()
	mux.Handle("/metrics", Handler())
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve metrics on %s: %w", addr, err)
	}
	return nil
}
