// Package httpapi is Slipway's HTTP API: it validates requests, submits
// commands and answers queries from the read models.
package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"

	"slipway.dev/pkg/metrics"
	"slipway.dev/pkg/telemetry"
	"slipway.dev/services/api/internal/intake"
	"slipway.dev/services/api/internal/readmodel"
)

// Reads is the query side the API reads from.
type Reads interface {
	Deployment(ctx context.Context, id string) (readmodel.Deployment, error)
	Operation(ctx context.Context, id string) (readmodel.Operation, error)
	Revision(ctx context.Context, deployment string, n int) (readmodel.Revision, error)
	Revisions(ctx context.Context, deployment string, before, limit int) ([]readmodel.Revision, error)
	// Deployments is a page of the fleet as whole documents,
	// DeploymentSummaries the same page as summaries: the fleet list.
	Deployments(ctx context.Context, q readmodel.FleetQuery) ([]readmodel.Deployment, error)
	DeploymentSummaries(ctx context.Context, q readmodel.FleetQuery) ([]readmodel.DeploymentSummary, error)
	// Operations is a page of the audit log, newest first.
	Operations(ctx context.Context, q readmodel.OperationQuery) ([]readmodel.Operation, error)
	Promotion(ctx context.Context, id string) (readmodel.Promotion, error)
	Ping(ctx context.Context) error
}

// Commands is where the API submits commands.
type Commands interface {
	Submit(ctx context.Context, req intake.Request) (intake.Record, error)
	Lookup(ctx context.Context, id string) (intake.Record, error)
	// Stored returns the record of req when this very request is held
	// under its Idempotency-Key already (intake.Intake.Stored).
	Stored(ctx context.Context, req intake.Request) (intake.Record, bool, error)
}

// Changes wakes waiters when the read models change.
type Changes interface {
	Changed() <-chan struct{}
	// OperationChanged returns a channel closed once operation id may have
	// changed, and a release to call when no longer waiting on it.
	OperationChanged(id string) (<-chan struct{}, func())
}

// Deps are what the handlers need.
type Deps struct {
	Reads    Reads
	Commands Commands
	Changes  Changes
	Targets  Targets
	Stream   EventSource
	Webhooks Webhooks
	// BusMaxPayload is the message bus's maximum message size (the
	// connection's MaxPayload); request bodies are limited to what fits in
	// a command. nil: 1 MiB.
	BusMaxPayload func() int64
	// Ready reports whether the message bus is connected.
	Ready  func() error
	Logger *slog.Logger

	// Auth finds each request's caller; nil lets everyone in as
	// access.Anonymous (tests of other concerns, --insecure-no-auth).
	Auth Authenticator
	// Tokens manages API tokens; nil disables the /v1/tokens routes (503).
	Tokens TokenStore
	// Access records denials and token changes in the audit log.
	Access AccessLog
	// Limiter bounds each caller's mutating requests, ReadLimiter its reads
	// (GET, HEAD; an event stream's open is one); nil: no limit.
	Limiter     RateLimiter
	ReadLimiter RateLimiter
	// CORSOrigins, when not empty, lets browsers on these origins call the
	// API. CORS is off by default.
	CORSOrigins []string
	// MetricsNeedAuth makes /metrics require a signed-in caller.
	MetricsNeedAuth bool
}

// API holds the handlers.
type API struct {
	Deps
}

// New returns the HTTP handler of the API.
func New(d Deps) *echo.Echo {
	a := &API{Deps: d}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(d.Logger)
	e.Pre(headAsGet, limitHeaders, idempotencyKeys)
	e.Use(tracing, measured, recoverer(d.Logger))
	if len(d.CORSOrigins) > 0 {
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{AllowOrigins: d.CORSOrigins,
			AllowHeaders:  []string{echo.HeaderAuthorization, echo.HeaderContentType, "Idempotency-Key", "If-Match", "Last-Event-ID"},
			ExposeHeaders: []string{echo.HeaderLocation, "ETag", "Retry-After"}, MaxAge: 600}))
	}
	e.Use(a.guard, knownQueries)
	e.Use(a.limitBody)
	e.GET("/healthz", a.healthz)
	e.GET("/metrics", echo.WrapHandler(metrics.Handler()))
	e.GET("/readyz", a.readyz)
	v1 := e.Group("/v1")
	v1.GET("/openapi.json", a.openapi)
	v1.GET("/whoami", a.whoami)
	v1.POST("/tokens", a.createToken)
	v1.GET("/tokens", a.listTokens)
	v1.GET("/tokens/:id", a.getToken)
	v1.DELETE("/tokens/:id", a.revokeToken)
	v1.POST("/projects/:owner/:project/deployments", a.createDeployment)
	v1.GET("/projects/:owner/:project/deployments/:name", a.getDeployment)
	v1.PATCH("/projects/:owner/:project/deployments/:name", a.updateDeployment)
	v1.DELETE("/projects/:owner/:project/deployments/:name", a.terminateDeployment)
	v1.POST("/projects/:owner/:project/deployments/:name/rollback", a.rollbackDeployment)
	v1.POST("/projects/:owner/:project/deployments/:name/rollout/:action", a.controlRollout)
	v1.PUT("/projects/:owner/:project/deployments/:name/aliases/:alias", a.setAlias)
	v1.DELETE("/projects/:owner/:project/deployments/:name/aliases/:alias", a.deleteAlias)
	v1.GET("/projects/:owner/:project/deployments/:name/revisions", a.listRevisions)
	v1.GET("/projects/:owner/:project/deployments/:name/revisions/:n", a.getRevision)
	v1.GET("/projects/:owner/:project/deployments/:name/revisions/:n/diff/:m", a.diffRevisions)
	v1.GET("/deployments", a.listDeployments)
	v1.GET("/operations/:id", a.getOperation)
	v1.POST("/promotions", a.createPromotion)
	v1.GET("/promotions/:id", a.getPromotion)
	v1.POST("/promotions/:id/apply", a.applyPromotion)
	v1.GET("/events", a.streamEvents)
	v1.GET("/audit", a.audit)
	v1.GET("/targets", a.listTargets)
	v1.GET("/targets/:target", a.getTarget)
	v1.PUT("/targets/:target", a.putTarget)
	v1.DELETE("/targets/:target", a.deleteTarget)
	v1.POST("/webhooks", a.createWebhook)
	v1.GET("/webhooks", a.listWebhooks)
	v1.GET("/webhooks/:id", a.getWebhook)
	v1.DELETE("/webhooks/:id", a.deleteWebhook)
	v1.GET("/webhooks/:id/deliveries", a.listDeliveries)
	v1.POST("/webhooks/:id/deliveries/:deliveryId/redeliver", a.redeliver)
	return e
}

func (a *API) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (a *API) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := a.Ready(); err != nil {
		return unavailable("nats", err)
	}
	if err := a.Reads.Ping(ctx); err != nil {
		return unavailable("mongodb", err)
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

func unavailable(what string, err error) error {
	return refuse(errNotReady, what+": "+err.Error())
}

// tracing starts a span per request, continuing a caller's W3C trace context.
func tracing(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		ctx := propagation.TraceContext{}.Extract(req.Context(), propagation.HeaderCarrier(req.Header))
		ctx, span := telemetry.Tracer("slipway/api").Start(ctx, req.Method+" "+c.Path())
		defer span.End()
		span.SetAttributes(attribute.String("http.route", c.Path()))
		c.SetRequest(req.WithContext(ctx))
		err := next(c)
		if err != nil {
			span.RecordError(err)
		}
		return err
	}
}

// measured counts requests and observes their latency by route (the route
// pattern, not the path, so label values stay bounded).
func measured(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		code := c.Response().Status
		if err != nil {
			code = problemFor(err).Status
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		metrics.HTTPRequests.WithLabelValues(c.Request().Method, route, strconv.Itoa(code)).Inc()
		metrics.HTTPDuration.WithLabelValues(c.Request().Method, route).Observe(time.Since(start).Seconds())
		return err
	}
}

// recoverer turns a handler panic into a logged 500 instead of a dropped connection.
func recoverer(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			defer func() {
				if r := recover(); r != nil {
					log.ErrorContext(c.Request().Context(), "handler panic", "path", c.Path(), "panic", r)
					err = errPanic
				}
			}()
			return next(c)
		}
	}
}

func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
