package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"

	"slipway.dev/pkg/embedded"
	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/kube/localplane"
	"slipway.dev/pkg/telemetry"
	api "slipway.dev/services/api"
)

// Names of the fleet stacks' clusters in rows.
const (
	fleetSimulated = "simulated"
	fleetLocal     = "local plane"
)

// ServiceBinaries are the service commands the fleet benchmark runs as
// processes of their own on the local plane, by binary name and package;
// bench/run.sh builds them into bin/.
var ServiceBinaries = [][2]string{
	{"slipway-api", "slipway.dev/services/api/cmd/slipway-api"},
	{"slipway-rollout-worker", "slipway.dev/services/rollout-worker/cmd/slipway-rollout-worker"},
	{"slipway-health-monitor", "slipway.dev/services/health-monitor/cmd/slipway-health-monitor"},
	{"slipway-promoter", "slipway.dev/services/promoter/cmd/slipway-promoter"},
}

// benchProcess names this process among the processes sampled.
const benchProcess = "bench process"

// fleetStack is what the fleet and soak benchmarks drive: Slipway's api,
// the Kubernetes target its worker deploys to (for the direct baseline and
// the rollout-status watch), the processes whose RSS and CPU are reported,
// and the counter of the services' WARN and ERROR log lines.
type fleetStack struct {
	cluster string
	url     string
	natsURL string
	cs      kubernetes.Interface
	ns      string
	procs   []proc
	logs    *logCounter
	// debug are the service processes' profile listeners (none when the
	// services share this process).
	debug []debugAddr
	// how says how the services ran, for a note.
	how string
	// exits reports services that stopped before Close (processes only).
	exits func() string
	close func() error
}

// fleetRolloutLimit lifts the target's rollout limit (10 at once by
// default, a safety setting) for the fleet benchmark: its baseline applies
// all N Deployments at once, so Slipway is measured doing the same. The
// worker's own bound (64 rollouts at once, SLIPWAY_MAX_ROLLOUTS) stays as
// it ships: at 1,024 the simulated N=10,000 change finished 3,847 rollouts
// in the time 64 finished 9,951 (one process on 2 cores, its store and the
// simulated cluster contended), and event -> visible went from 185 ms to
// 220 s.
const fleetRolloutLimit = -1

// simFleetStack runs the services in this process on a simulated cluster,
// at their production intervals: simcluster is a fake clientset in memory,
// so the worker and the monitor must share this process with it.
func (e *env) simFleetStack(ctx context.Context, name string) (*fleetStack, error) {
	logs := newLogCounter()
	log := slog.New(slog.NewJSONHandler(logs.writer("stack"), nil))
	s, err := StartStack(ctx, StackOptions{DataDir: filepath.Join(e.dir, name), Cluster: ClusterSimulated, Production: true, Logger: log,
		MaxConcurrentRollouts: fleetRolloutLimit})
	if err != nil {
		return nil, err
	}
	logs.start()
	return &fleetStack{cluster: fleetSimulated, url: s.URL, natsURL: s.NATSURL, cs: s.Target.Client, ns: s.Target.Namespace,
		procs: []proc{{benchProcess, os.Getpid()}}, logs: logs,
		how:   "one process (the simulated cluster is in memory): api, worker, monitor, promoter, NATS, FerretDB, simcluster and the load generator",
		exits: func() string { return "" }, close: s.Close}, nil
}

// localFleetStack runs each service as a process of its own (the binaries
// in e.cfg.ServiceBinDir) against the local control plane; NATS and
// FerretDB run embedded in this process. skip says why it cannot run.
func (e *env) localFleetStack(ctx context.Context, name string) (st *fleetStack, skip string, err error) {
	if e.cfg.NoLocal {
		return nil, "local control plane disabled (-local=false)", nil
	}
	if ok, reason := localplane.Available(); !ok {
		return nil, reason, nil
	}
	bins := e.cfg.ServiceBinDir
	for _, b := range ServiceBinaries {
		if fi, err := os.Stat(filepath.Join(bins, b[0])); err != nil || fi.IsDir() {
			return nil, fmt.Sprintf("service binary %s missing in %q (bench/run.sh builds it: go build -o bin/ %s)", b[0], bins, b[1]), nil
		}
	}
	dir := filepath.Join(e.dir, name)
	var closers []func() error
	st = &fleetStack{cluster: fleetLocal, logs: newLogCounter(), ns: "default",
		how: "each service its own process (bin/slipway-*); NATS and FerretDB embedded in the bench process, with the load generator"}
	if q := e.cfg.PlaneQPS; q > 0 {
		st.how += fmt.Sprintf("; the plane's controller-manager and scheduler, and the target's apiQPS, at %d requests/s (burst %d), not their defaults", q, 2*q)
	}
	closeAll := func() error {
		var errs []error
		for i := len(closers) - 1; i >= 0; i-- {
			errs = append(errs, closers[i]())
		}
		return errors.Join(errs...)
	}
	st.close = closeAll
	defer func() {
		if err != nil { // st is nil by then: close what was started
			_ = closeAll()
		}
	}()
	nats, err := embedded.StartNATS(filepath.Join(dir, "nats"), "127.0.0.1", 0)
	if err != nil {
		return nil, "", err
	}
	closers = append(closers, func() error { nats.Close(); return nil })
	ferret, err := embedded.StartFerretDB(filepath.Join(dir, "ferretdb"), "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	closers = append(closers, func() error { ferret.Close(); return nil })
	plane, err := localplane.Start(ctx, localplane.Options{Dir: filepath.Join(dir, "kube"), NoTaint: true, ControllerQPS: e.cfg.PlaneQPS})
	if err != nil {
		return nil, "", fmt.Errorf("local plane: %w", err)
	}
	closers = append(closers, plane.Stop)
	// A plane whose controllers were given a higher rate gets Slipway's
	// clients at the same rate: the fleet is configured for its size.
	tc := kube.TargetConfig{Name: "local", Namespace: st.ns, BaseURL: "http://local.slipway.localhost", Kubeconfig: plane.KubeconfigPath(),
		MaxConcurrentRollouts: fleetRolloutLimit, APIQPS: float32(e.cfg.PlaneQPS)}
	target, err := kube.Connect(tc)
	if err != nil {
		return nil, "", err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	st.url, st.natsURL, st.cs = "http://"+addr, nats.URL(), target.Client
	targetsFile := filepath.Join(dir, "targets.json")
	if err := writeTargetsFile(targetsFile, tc); err != nil {
		return nil, "", err
	}
	envs := serviceEnv(nats.URL(), ferret.URI(), addr, targetsFile)
	ps := &processes{}
	closers = append(closers, ps.stop)
	for _, b := range ServiceBinaries {
		name := strings.TrimPrefix(b[0], "slipway-")
		debug, err := freeAddr()
		if err != nil {
			return nil, "", err
		}
		p, err := ps.start(filepath.Join(bins, b[0]), append(envs[b[0]], telemetry.EnvPprofAddr+"="+debug), st.logs)
		if err != nil {
			return nil, "", err
		}
		st.procs = append(st.procs, proc{name, p})
		st.debug = append(st.debug, debugAddr{name, debug})
	}
	// NATS and FerretDB are in this process, with the load generator.
	st.procs = append(st.procs, proc{benchProcess, os.Getpid()})
	st.exits = ps.exited
	if err := waitReady(ctx, st.url); err != nil {
		return nil, "", fmt.Errorf("%w%s", err, ps.exited())
	}
	st.logs.start()
	return st, "", nil
}

// serviceEnv is each service binary's environment, as a deployment of
// Slipway sets it: production defaults but for the addresses, the target,
// no authentication or webhook sealing key (the benchmark's api is on
// loopback), and no read limit (its probes are one caller polling the
// whole fleet, which the per-caller read limit would throttle).
func serviceEnv(natsURL, mongoURI, addr, targetsFile string) map[string][]string {
	nats := api.EnvNATSURL + "=" + natsURL
	target := []string{nats, kube.EnvTargetsFile + "=" + targetsFile}
	return map[string][]string{
		"slipway-api": {nats, api.EnvHTTPAddr + "=" + addr, api.EnvMongoURI + "=" + mongoURI, api.EnvMongoDB + "=slipway",
			api.EnvInsecureNoAuth + "=true", api.EnvWebhookSecretsUnsealed + "=true", api.EnvReadRateLimit + "=0", api.EnvRateLimit + "=0"},
		"slipway-rollout-worker": target,
		"slipway-health-monitor": target,
		"slipway-promoter":       {nats},
	}
}

// writeTargetsFile writes the worker's and monitor's targets file (the
// rollout limit has no variable of its own).
func writeTargetsFile(path string, tc kube.TargetConfig) error {
	b, err := json.Marshal([]kube.TargetConfig{tc})
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// freeAddr returns a loopback address with a port free just now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().String(), nil
}

// processes are service processes started by the benchmark.
type processes struct {
	mu       sync.Mutex
	cmds     []*exec.Cmd
	done     []chan struct{}
	exits    []string // services that stopped on their own
	stopping bool
}

// start runs bin with env added to this process's environment, its
// output counted by logs, and returns its pid.
func (ps *processes) start(bin string, env []string, logs *logCounter) (int, error) {
	name := strings.TrimPrefix(filepath.Base(bin), "slipway-")
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logs.writer(name), logs.writer(name)
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start %s: %w", bin, err)
	}
	done := make(chan struct{})
	go func() {
		err := cmd.Wait()
		ps.mu.Lock()
		if !ps.stopping {
			ps.exits = append(ps.exits, fmt.Sprintf("%s exited: %v", name, err))
		}
		ps.mu.Unlock()
		close(done)
	}()
	ps.mu.Lock()
	ps.cmds, ps.done = append(ps.cmds, cmd), append(ps.done, done)
	ps.mu.Unlock()
	return cmd.Process.Pid, nil
}

// exited says which services stopped on their own ("" when none).
func (ps *processes) exited() string {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if len(ps.exits) == 0 {
		return ""
	}
	return "; " + strings.Join(ps.exits, "; ")
}

// stop sends SIGTERM to every process and kills those still running
// after 15 s.
func (ps *processes) stop() error {
	ps.mu.Lock()
	ps.stopping = true
	cmds, done := ps.cmds, ps.done
	ps.mu.Unlock()
	for _, c := range cmds {
		_ = c.Process.Signal(syscall.SIGTERM)
	}
	for i, c := range cmds {
		select {
		case <-done[i]:
		case <-time.After(15 * time.Second):
			_ = c.Process.Kill()
			<-done[i]
		}
	}
	return nil
}
