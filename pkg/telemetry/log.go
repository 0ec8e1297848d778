package telemetry

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// Logger is a JSON logger whose records carry the trace and span ids of the
// context they are logged with, and the service name.
func Logger(w io.Writer, service string, level slog.Leveler) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})
	return slog.New(traceHandler{h}).With("service", service)
}

type traceHandler struct{ slog.Handler }

func (h traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h traceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return traceHandler{h.Handler.WithAttrs(attrs)}
}

func (h traceHandler) WithGroup(name string) slog.Handler {
	return traceHandler{h.Handler.WithGroup(name)}
}

// EnvLogLevel names the log level variable every service reads.
const EnvLogLevel = "SLIPWAY_LOG_LEVEL"

// LevelFromEnv reads SLIPWAY_LOG_LEVEL (debug, info, warn, error; default info).
func LevelFromEnv(getenv func(string) string) (slog.Level, error) {
	raw := getenv(EnvLogLevel)
	if raw == "" {
		return slog.LevelInfo, nil
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(raw)); err != nil {
		return 0, fmt.Errorf("%s=%q: use debug, info, warn or error", EnvLogLevel, raw)
	}
	return l, nil
}
