package telemetry

import (
	"log/slog"

	"k8s.io/klog/v2"
)

// RouteKlog sends client-go's klog lines (an unreachable cluster's retries,
// a reflector's failed watch, a request throttled for seconds) to log, as
// its JSON records with logger=client-go: klog otherwise writes plain text
// to stderr beside them, which log tooling cannot parse. Process-wide, as
// klog is.
func RouteKlog(log *slog.Logger) {
	klog.SetSlogLogger(log.With("logger", "client-go"))
}
