package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/embedded"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	api "slipway.dev/services/api"
	"slipway.dev/testsupport/apitest"
	"slipway.dev/testsupport/apitest/openapicheck"
	"slipway.dev/testsupport/kubeplane"
)

// Settings every service process of a Stack gets.
const (
	// TargetName and TargetBaseURL describe the plane to the worker and monitor.
	TargetName    = "local"
	TargetBaseURL = "http://local.test"
	// HealthSettle is the monitor's SLIPWAY_HEALTH_SETTLE.
	HealthSettle = "1s"
	// DriftInterval is the worker's SLIPWAY_DRIFT_INTERVAL: how often it
	// compares managed objects with what it applied (default 30s).
	DriftInterval = "2s"
	// MongoDB is the api's database name.
	MongoDB = "slipway"

	stopGrace    = 5 * time.Second
	logTailLines = 80
)

// Stack is one test's Slipway: embedded NATS and FerretDB in the test
// process, the api, promoter, health monitor and rollout workers as child
// processes, and a namespace of its own on the shared plane.
type Stack struct {
	Namespace string
	Plane     *kubeplane.Plane
	NATSURL   string
	MongoURI  string
	// API is a client of the api process (its /readyz answered).
	API *apitest.Client
	// Workers are the rollout-worker processes, in start order.
	Workers []*Process

	t       *testing.T
	bins    Binaries
	logDir  string
	routing string
	// accounts (AsServiceAccounts) gives the worker and the monitor the
	// kubeconfigs of their ServiceAccounts, by service.
	accounts    bool
	kubeconfigs map[string]string
	// prometheus is the workers' SLIPWAY_PROMETHEUS_URL ("" none).
	prometheus string

	mu     sync.Mutex
	procs  []*Process
	killed map[*Process]bool // stopped on purpose: an exit is not a crash
}

var planeStartLogged sync.Once

// Option changes how NewStack sets a Stack up.
type Option func(*Stack)

// WithRouting gives the target a routing setting: the value of
// SLIPWAY_TARGET_ROUTING (JSON or a bare kind). Without it the target has
// no routing.
func WithRouting(routing string) Option { return func(s *Stack) { s.routing = routing } }

// WithPrometheus gives the rollout workers a Prometheus to measure
// canaries' checks with (SLIPWAY_PROMETHEUS_URL).
func WithPrometheus(url string) Option { return func(s *Stack) { s.prometheus = url } }

// NewStack starts a Stack for t with one rollout worker and stops all of
// it when t ends: processes first (printing their logs if t failed), then
// FerretDB and NATS, then the namespace. A service that exited on its own
// before that fails t. It skips t when the plane's binaries are missing.
func NewStack(t *testing.T, opts ...Option) *Stack {
	t.Helper()
	plane := kubeplane.Shared(t)
	planeStartLogged.Do(func() { t.Logf("METRIC plane_start=%s", plane.StartDuration().Round(time.Millisecond)) })
	s := &Stack{Namespace: kubeplane.Namespace(t), Plane: plane, t: t, bins: serviceBinaries(t),
		killed: map[*Process]bool{}}
	for _, o := range opts {
		o(s)
	}
	began := time.Now()
	dir := t.TempDir()
	s.logDir = filepath.Join(dir, "logs")
	if err := os.MkdirAll(s.logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	nats, err := embedded.StartNATS(filepath.Join(dir, "nats"), "127.0.0.1", 0)
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	t.Cleanup(nats.Close)
	ferret, err := embedded.StartFerretDB(filepath.Join(dir, "ferretdb"), "127.0.0.1:0")
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	t.Cleanup(ferret.Close)
	s.NATSURL, s.MongoURI = nats.URL(), ferret.URI()
	if s.accounts {
		s.useServiceAccounts(filepath.Join(dir, "kube"))
	}
	t.Cleanup(s.stopAll)

	s.startAPI(dir)
	s.start(ServicePromoter, ServicePromoter, s.env("SLIPWAY_NATS_URL="+s.NATSURL))
	s.start(ServiceMonitor, ServiceMonitor, s.targetEnv(ServiceMonitor))
	s.StartWorker()
	t.Logf("METRIC stack_start=%s (namespace %s)", time.Since(began).Round(time.Millisecond), s.Namespace)
	return s
}

// StartWorker starts one more rollout-worker process and appends it to Workers.
func (s *Stack) StartWorker() *Process {
	s.t.Helper()
	env := s.targetEnv(ServiceWorker)
	if s.prometheus != "" {
		env = append(env, "SLIPWAY_PROMETHEUS_URL="+s.prometheus)
	}
	p := s.start(ServiceWorker, fmt.Sprintf("%s-%d", ServiceWorker, len(s.Workers)+1), env)
	s.Workers = append(s.Workers, p)
	return p
}

// SetRouting changes the target's routing setting for the services started
// from now on (a worker restarted with new configuration).
func (s *Stack) SetRouting(routing string) { s.routing = routing }

// Kill SIGKILLs p, as a crash would; its exit then does not fail the test.
func (s *Stack) Kill(p *Process) {
	s.t.Helper()
	s.mu.Lock()
	s.killed[p] = true
	s.mu.Unlock()
	if err := p.Kill(); err != nil {
		s.t.Fatal(err)
	}
}

// History returns the deployment's events, in order, read from JetStream
// EVENTS (subject slipway.evt.deployment.<owner>.<project>.<name>).
func (s *Stack) History(ctx context.Context, ref events.DeploymentRef) ([]bus.Record, error) {
	conn, err := bus.Connect(ctx, s.NATSURL, "e2e-history")
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	recs, _, err := conn.History(ctx, events.DeploymentSubject(ref))
	return recs, err
}

// ObjectName is the name of a deployment's Kubernetes Deployment and Service.
func (s *Stack) ObjectName(ref events.DeploymentRef) string {
	return kube.ObjectName(ref.Owner, ref.Project, ref.Name)
}

// env is the environment of a service: the given variables and PATH and
// HOME, nothing else.
func (s *Stack) env(vars ...string) []string {
	return append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, vars...)
}

// targetEnv is the environment of the worker or the monitor: the plane's
// admin kubeconfig, or with AsServiceAccounts the service's own.
func (s *Stack) targetEnv(service string) []string {
	kubeconfig := s.Plane.KubeconfigPath()
	if k, ok := s.kubeconfigs[service]; ok {
		kubeconfig = k
	}
	return s.env("SLIPWAY_NATS_URL="+s.NATSURL,
		kube.EnvKubeconfig+"="+kubeconfig,
		kube.EnvTargetName+"="+TargetName,
		kube.EnvTargetNS+"="+s.Namespace,
		kube.EnvTargetBaseURL+"="+TargetBaseURL,
		kube.EnvTargetRouting+"="+s.routing,
		"SLIPWAY_HEALTH_SETTLE="+HealthSettle,
		"SLIPWAY_DRIFT_INTERVAL="+DriftInterval)
}

func (s *Stack) start(service, name string, env []string) *Process {
	s.t.Helper()
	p, err := StartProcess(name, s.bins.Path(service), env, s.logDir)
	if err != nil {
		s.t.Fatal(err)
	}
	s.mu.Lock()
	s.procs = append(s.procs, p)
	s.mu.Unlock()
	return p
}

// startAPI starts the api on a free loopback port and waits for /readyz,
// trying another port if the chosen one was taken in between. The api runs
// with authentication as in production: a bootstrap admin token in a file
// (a mounted Secret there), which API sends.
func (s *Stack) startAPI(dir string) {
	s.t.Helper()
	const attempts = 3
	token, tokenFile := api.GenerateToken(), filepath.Join(dir, "admin-token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		s.t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "webhook-key")
	if err := os.WriteFile(keyFile, []byte(api.GenerateWebhookKey()+"\n"), 0o600); err != nil {
		s.t.Fatal(err)
	}
	for i := 1; ; i++ {
		addr, err := freeAddr()
		if err != nil {
			s.t.Fatal(err)
		}
		p := s.start(ServiceAPI, ServiceAPI, s.env("SLIPWAY_HTTP_ADDR="+addr, "SLIPWAY_NATS_URL="+s.NATSURL,
			"SLIPWAY_MONGO_URI="+s.MongoURI, "SLIPWAY_MONGO_DB="+MongoDB, api.EnvAdminTokenFile+"="+tokenFile,
			api.EnvWebhookKeyFile+"="+keyFile))
		url := "http://" + addr
		err = waitReady(s.t.Context(), url, p, 30*time.Second)
		if err == nil {
			// Every exchange of the tests is checked against the api's OpenAPI document.
			s.API = apitest.New(url).As(token).ValidateWith(openapicheck.New(url).WithToken(token).Check)
			return
		}
		if i == attempts || !strings.Contains(p.Tail(20), "address already in use") {
			s.t.Fatal(err)
		}
		s.mu.Lock()
		s.killed[p] = true // its exit was expected: retry on another port
		s.mu.Unlock()
	}
}

// waitReady polls url/readyz until it answers 200, p exits, or limit passes.
func waitReady(ctx context.Context, url string, p *Process, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	var last string
	for {
		if ended, err := p.Exited(); ended {
			return fmt.Errorf("e2e: %s exited before it was ready (%v):\n%s", p.Name, err, p.Tail(logTailLines))
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/readyz", nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err != nil {
			last = err.Error()
		} else {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("e2e: %s not ready within %s (last: %s):\n%s", p.Name, limit, last, p.Tail(logTailLines))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stopAll stops every process (last started first), fails t for any that
// had exited on its own, and prints the logs if t failed.
func (s *Stack) stopAll() {
	s.mu.Lock()
	procs := append([]*Process(nil), s.procs...)
	s.mu.Unlock()
	var errs []error
	for i := len(procs) - 1; i >= 0; i-- {
		p := procs[i]
		s.mu.Lock()
		killed := s.killed[p]
		s.mu.Unlock()
		if ended, err := p.Exited(); ended && !killed {
			errs = append(errs, fmt.Errorf("%s exited during the test: %v", p.Name, err))
		}
		if err := p.Stop(stopGrace); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		s.t.Errorf("e2e: %v", err)
	}
	if s.t.Failed() {
		for _, p := range procs {
			s.t.Logf("===== %s (last %d lines of %s) =====\n%s", p.Name, logTailLines, p.LogPath, p.Tail(logTailLines))
		}
	}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("e2e: pick a free port: %w", err)
	}
	defer l.Close()
	return "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}
