package localplane

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Options configure Start. The zero value is ready to use.
type Options struct {
	// BinDir holds etcd, kube-apiserver, kube-controller-manager,
	// kube-scheduler and kwok. Empty means BinDir().
	BinDir string
	// Dir receives PKI, etcd data, kubeconfig and process logs; it should be
	// empty or absent (old etcd data would be reused with new credentials).
	// Empty means a new temporary directory, which Stop removes unless
	// KeepDir is set; a given Dir is never removed.
	Dir string
	// KeepDir keeps a temporary Dir after Stop, for post-mortems.
	KeepDir bool
	// ExtraControllers are kube-controller-manager controllers to run in
	// addition to DefaultControllers (for example "job-controller").
	ExtraControllers []string
	// NoTaint registers the fake node without its NoSchedule taint, so pods
	// that neither tolerate it nor select the node (Slipway's own, in
	// `slipway dev`) schedule there. The default taint keeps a test's
	// workloads explicit about where they run.
	NoTaint bool
	// AuditPolicy, when set, is an audit policy (audit.k8s.io/v1 Policy,
	// YAML) the API server applies, writing one JSON event per line to
	// Plane.AuditLogPath. Nil (the default) audits nothing.
	AuditPolicy []byte
	// ControllerQPS, when above 0, is the rate of requests a second the
	// controller-manager and the scheduler may send the apiserver (burst
	// twice that). Zero keeps their defaults (20 and 50), as a cluster ships
	// them; at those the controller-manager takes about a third of a second
	// per Deployment created or changed, which a fleet of 10,000 turns into
	// hours.
	ControllerQPS int
	// Logf, when set, receives one line per startup step with its timing.
	Logf func(format string, args ...any)
}

// Plane is a running control plane. Its methods are safe for concurrent use.
type Plane struct {
	layout
	ownDir     bool
	keepDir    bool
	cfg        *rest.Config
	client     kubernetes.Interface
	binDir     string
	procsMu    sync.Mutex // guards procs: StartAPIServer replaces one
	procs      []*process
	exited     chan struct{} // closed when the first process exits
	exitOnce   sync.Once
	startedIn  time.Duration
	stopOnce   sync.Once
	stopResult error
}

// Start starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler
// and KWOK on free loopback ports, registers the fake node, and returns once
// the node is schedulable and the default ServiceAccount exists. ctx bounds
// the startup only: the processes run until Stop. On error every process
// already started has been stopped, and the error carries their log tails.
func Start(ctx context.Context, opts Options) (*Plane, error) {
	if runtime.GOOS != "linux" {
		return nil, errors.New("localplane: only supported on linux")
	}
	if opts.BinDir == "" {
		opts.BinDir = BinDir()
	}
	if ok, reason := available(opts.BinDir); !ok {
		return nil, errors.New(reason)
	}
	const attempts = 3 // free ports are picked before use, so another process may win one
	for i := 1; ; i++ {
		p, err := start(ctx, opts)
		if err == nil || !errors.Is(err, errPortInUse) || i == attempts {
			return p, err
		}
		logf(opts, "localplane: port conflict, retrying (%d/%d)", i+1, attempts)
	}
}

var errPortInUse = errors.New("port already in use")

func start(ctx context.Context, opts Options) (_ *Plane, err error) {
	began := time.Now()
	p := &Plane{keepDir: opts.KeepDir, binDir: opts.BinDir, exited: make(chan struct{})}
	if p.dir = opts.Dir; p.dir == "" {
		if p.dir, err = os.MkdirTemp("", "localplane-"); err != nil {
			return nil, fmt.Errorf("localplane: create work dir: %w", err)
		}
		p.ownDir = true
	}
	defer func() {
		if err != nil {
			err = p.failure(err)
		}
	}()
	if err := p.prepare(opts.AuditPolicy); err != nil {
		return nil, err
	}
	bin := func(name string) string { return filepath.Join(opts.BinDir, name) }

	if err := p.spawn("etcd", bin("etcd"), p.etcdArgs(), nil); err != nil {
		return nil, err
	}
	if err := p.spawn("kube-apiserver", bin("kube-apiserver"), p.apiserverArgs(), nil); err != nil {
		return nil, err
	}
	if err := p.poll(ctx, p.apiserverReady); err != nil {
		return nil, fmt.Errorf("localplane: waiting for kube-apiserver /readyz: %w", err)
	}
	logf(opts, "localplane: etcd and kube-apiserver ready after %s", since(began))

	for _, c := range []struct {
		name string
		args []string
		env  []string
	}{
		{"kube-controller-manager", p.controllerManagerArgs(opts.ExtraControllers, opts.ControllerQPS), nil},
		{"kube-scheduler", p.schedulerArgs(opts.ControllerQPS), nil},
		// HOME keeps a developer's ~/.kwok/kwok.yaml out of the plane.
		{"kwok", p.kwokArgs(), []string{"HOME=" + p.path("kwok-home")}},
	} {
		if err := p.spawn(c.name, bin(c.name), c.args, c.env); err != nil {
			return nil, err
		}
	}
	if err := createNode(ctx, p.client, !opts.NoTaint); err != nil {
		return nil, fmt.Errorf("localplane: %w", err)
	}
	if err := p.poll(ctx, func(ctx context.Context) (bool, error) { return nodeSchedulable(ctx, p.client) }); err != nil {
		return nil, fmt.Errorf("localplane: waiting for node %s to be Ready: %w", NodeName, err)
	}
	if err := p.poll(ctx, func(ctx context.Context) (bool, error) { return serviceAccountExists(ctx, p.client, "default") }); err != nil {
		return nil, fmt.Errorf("localplane: waiting for ServiceAccount default/default: %w", err)
	}
	p.startedIn = time.Since(began)
	logf(opts, "localplane: plane ready in %s (dir %s)", since(began), p.dir)
	return p, nil
}

// prepare writes PKI, token file, kubeconfig and KWOK stages, and picks ports.
func (p *Plane) prepare(auditPolicy []byte) error {
	for _, d := range []string{"pki", "etcd", "apiserver-certs", "logs", "kwok-home"} {
		if err := os.MkdirAll(p.path(d), 0o700); err != nil {
			return fmt.Errorf("localplane: %w", err)
		}
	}
	var err error
	if p.pki, err = writePKI(p.path("pki")); err != nil {
		return fmt.Errorf("localplane: %w", err)
	}
	ports, err := freePorts(3)
	if err != nil {
		return fmt.Errorf("localplane: %w", err)
	}
	p.etcdClient, p.etcdPeer, p.apis = ports[0], ports[1], ports[2]
	token := randomToken()
	p.tokenFile = p.path("pki", "tokens.csv")
	if err := os.WriteFile(p.tokenFile, []byte(token+",admin,admin,system:masters\n"), 0o600); err != nil {
		return fmt.Errorf("localplane: write token file: %w", err)
	}
	p.cfg = &rest.Config{
		Host:            fmt.Sprintf("https://127.0.0.1:%d", p.apis),
		BearerToken:     token,
		TLSClientConfig: rest.TLSClientConfig{CAData: p.pki.caPEM},
		QPS:             100,
		Burst:           200,
	}
	p.kubeconfig = p.path("kubeconfig")
	if err := writeKubeconfig(p.kubeconfig, p.cfg); err != nil {
		return fmt.Errorf("localplane: %w", err)
	}
	if auditPolicy != nil {
		p.auditPolicy, p.auditLog = p.path("audit-policy.yaml"), p.path("logs", "audit.log")
		if err := os.WriteFile(p.auditPolicy, auditPolicy, 0o600); err != nil {
			return fmt.Errorf("localplane: write audit policy: %w", err)
		}
	}
	p.stagesFile = p.path("kwok-stages.yaml")
	if err := os.WriteFile(p.stagesFile, stagesYAML, 0o600); err != nil {
		return fmt.Errorf("localplane: write KWOK stages: %w", err)
	}
	if p.client, err = kubernetes.NewForConfig(p.cfg); err != nil {
		return fmt.Errorf("localplane: build client: %w", err)
	}
	return nil
}

func (p *Plane) spawn(name, bin string, args, env []string) error {
	proc, err := startProcess(name, bin, args, env, p.path("logs"))
	if err != nil {
		return fmt.Errorf("localplane: %w", err)
	}
	p.procsMu.Lock()
	p.procs = append(p.procs, proc)
	p.procsMu.Unlock()
	go func() {
		<-proc.done
		if !proc.outage.Load() { // stopped by StopAPIServer: not a failure
			p.exitOnce.Do(func() { close(p.exited) })
		}
	}()
	return nil
}

// processes returns the plane's processes, in start order.
func (p *Plane) processes() []*process {
	p.procsMu.Lock()
	defer p.procsMu.Unlock()
	return append([]*process(nil), p.procs...)
}

// KubeconfigPath returns the path of an admin kubeconfig for the plane
// (usable with kubectl --kubeconfig).
func (p *Plane) KubeconfigPath() string { return p.kubeconfig }

// AuditLogPath returns the API server's audit log (JSON lines), or "" when
// the plane was started without Options.AuditPolicy.
func (p *Plane) AuditLogPath() string { return p.auditLog }

// RESTConfig returns a copy of an admin (system:masters) client config.
func (p *Plane) RESTConfig() *rest.Config { return rest.CopyConfig(p.cfg) }

// Client returns an admin clientset.
func (p *Plane) Client() kubernetes.Interface { return p.client }

// Toleration returns the toleration workloads need for the fake node of a
// tainted plane; it equals the package-level Toleration.
func (p *Plane) Toleration() corev1.Toleration { return Toleration() }

// Err reports a process of the plane that has exited (nil while all run),
// but not a kube-apiserver stopped by StopAPIServer.
func (p *Plane) Err() error {
	var errs []error
	for _, proc := range p.processes() {
		if ended, err := proc.exited(); ended && !proc.outage.Load() {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Exited is closed once any process of the plane has exited, including
// during Stop (but not the kube-apiserver StopAPIServer stops); Err then
// says which and how.
func (p *Plane) Exited() <-chan struct{} { return p.exited }

// Dir returns the plane's working directory (logs are in Dir()/logs).
func (p *Plane) Dir() string { return p.dir }

// StartDuration is how long Start took to bring the plane up.
func (p *Plane) StartDuration() time.Duration { return p.startedIn }

func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("pick free port: %w", err)
		}
		defer l.Close() // held until all are picked, so they differ
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux
	return hex.EncodeToString(b)
}

func logf(opts Options, format string, args ...any) {
	if opts.Logf != nil {
		opts.Logf(format, args...)
	}
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }
