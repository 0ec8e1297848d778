package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// EnvPprofAddr names the variable with the address a service serves Go's
// profiles on (/debug/pprof/: heap, CPU, goroutines); empty, the default,
// serves none. It is for an operator's diagnosis and the fleet benchmark's
// per-service heap profiles: bind it to loopback, as profiles show the
// process's internals and take no authentication.
const EnvPprofAddr = "SLIPWAY_PPROF_ADDR"

// PprofHandler serves net/http/pprof's pages under /debug/pprof/ on a mux
// of its own: importing net/http/pprof registers on http.DefaultServeMux,
// which no Slipway server serves, so nothing is exposed by accident.
func PprofHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// ServePprof serves PprofHandler on ln until ctx ends. A CPU profile or
// trace runs as long as its caller asks (seconds=N), so writes are not
// bounded as the API's are.
func ServePprof(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: PprofHandler(), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve profiles on %s: %w", ln.Addr(), err)
	}
	return nil
}
