package prometheustest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// Binary is the Prometheus server the fixture runs: Debian's `prometheus`
// package (2.42), which .ci/run installs when it is missing.
const Binary = "/usr/bin/prometheus"

// EnvRequired, set to "1" (in CI), turns the skip for a missing Binary into
// a failure.
const EnvRequired = "SLIPWAY_PROMETHEUS_REQUIRED"

// ScrapeInterval is how often Prometheus scrapes the exporter (and the
// smallest step in which a series can change).
const ScrapeInterval = time.Second

// Prometheus is a Prometheus server of the test's own, scraping its
// Exporter, its data in the test's temporary folder.
type Prometheus struct {
	// URL is the server's base address, http://127.0.0.1:PORT.
	URL string
	// Exporter holds the series Prometheus scrapes; the test sets them.
	Exporter *Exporter

	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited
	logs *lockedBuffer
}

// Start starts Prometheus and an Exporter for t, both stopped when t ends.
// It skips t when Binary is missing, unless EnvRequired is "1".
func Start(t testing.TB) *Prometheus {
	t.Helper()
	if _, err := os.Stat(Binary); err != nil {
		msg := fmt.Sprintf("prometheustest: %s is missing (apt-get install prometheus; .ci/run does): %v", Binary, err)
		if os.Getenv(EnvRequired) == "1" {
			t.Fatal(msg + "; " + EnvRequired + "=1 makes this a failure")
		}
		t.Skip(msg)
	}
	exp := NewExporter()
	t.Cleanup(exp.Close)
	dir := t.TempDir()
	// A port picked free may be taken before Prometheus binds it: try again
	// on another one.
	var errs []error
	for range 3 {
		p, err := start(t.Context(), dir, exp)
		if err == nil {
			t.Cleanup(p.Stop)
			return p
		}
		errs = append(errs, err)
	}
	t.Fatalf("prometheustest: %v", errors.Join(errs...))
	return nil
}

func start(ctx context.Context, dir string, exp *Exporter) (*Prometheus, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	config := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(config, []byte(configYAML(exp.Addr())), 0o600); err != nil {
		return nil, fmt.Errorf("write config: %w", err)
	}
	data := filepath.Join(dir, fmt.Sprintf("data-%d", port))
	p := &Prometheus{URL: "http://" + addr, Exporter: exp, done: make(chan struct{}), logs: &lockedBuffer{}}
	p.cmd = exec.Command(Binary,
		"--config.file="+config,
		"--storage.tsdb.path="+data,
		"--storage.tsdb.retention.time=1h",
		"--web.listen-address="+addr,
		"--log.level=warn",
	)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", Binary, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	if err := p.waitReady(ctx, 30*time.Second); err != nil {
		p.Stop()
		return nil, fmt.Errorf("%w; its log:\n%s", err, p.Logs())
	}
	return p, nil
}

// configYAML scrapes target every ScrapeInterval, keeping the exporter's
// namespace label rather than renaming it.
func configYAML(target string) string {
	return fmt.Sprintf(`global:
  scrape_interval: %[1]s
  scrape_timeout: %[1]s
  evaluation_interval: %[1]s
scrape_configs:
  - job_name: exporter
    honor_labels: true
    static_configs:
      - targets: [%[2]q]
`, model.Duration(ScrapeInterval), target)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pick a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (p *Prometheus) waitReady(ctx context.Context, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+"/-/ready", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.done:
			return fmt.Errorf("prometheus exited before it was ready (%v)", p.cmd.ProcessState)
		case <-ctx.Done():
			return fmt.Errorf("prometheus not ready at %s after %s", p.URL, limit)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Stop kills Prometheus and waits for it to exit; queries to URL then fail
// with connection refused. It is safe to call more than once.
func (p *Prometheus) Stop() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Logs returns what Prometheus has logged (warnings and errors).
func (p *Prometheus) Logs() string { return p.logs.String() }

// API returns a query client for the server.
func (p *Prometheus) API(t testing.TB) v1.API {
	t.Helper()
	c, err := api.NewClient(api.Config{Address: p.URL})
	if err != nil {
		t.Fatal(err)
	}
	return v1.NewAPI(c)
}

// WaitFor waits until promql, queried now, gives a non-empty vector whose
// samples are all numbers, and fails t after limit. A rate over the
// exporter's counters needs two scrapes: call it before measuring.
func (p *Prometheus) WaitFor(t testing.TB, promql string, limit time.Duration) {
	t.Helper()
	a := p.API(t)
	deadline := time.Now().Add(limit)
	var last string
	for time.Now().Before(deadline) {
		v, _, _, err := a.Query(t.Context(), promql, time.Now())
		switch vec, ok := v.(model.Vector); {
		case err != nil:
			last = err.Error()
		case !ok:
			last = fmt.Sprintf("a %s, not a vector", v.Type())
		case len(vec) == 0:
			last = "no series"
		case !allNumbers(vec):
			last = "NaN in " + vec.String()
		default:
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("prometheustest: %s gave no data within %s (last: %s); prometheus log:\n%s", promql, limit, last, p.Logs())
}

func allNumbers(vec model.Vector) bool {
	for _, s := range vec {
		if math.IsNaN(float64(s.Value)) {
			return false
		}
	}
	return true
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.TrimSpace(b.buf.String())
}
