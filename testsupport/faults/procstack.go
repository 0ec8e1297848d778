package faults

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/kube"
	api "slipway.dev/services/api"
	monitor "slipway.dev/services/health-monitor"
	"slipway.dev/testsupport/e2e"
	"slipway.dev/testsupport/kubeplane"
	"slipway.dev/testsupport/natscluster"
)

// ProcessTarget is what a ProcessStack's services run from and target: the
// service binaries (e2e.BuildServices) and a namespace of a local
// Kubernetes control plane (testsupport/kubeplane).
type ProcessTarget struct {
	Binaries  e2e.Binaries
	Plane     *kubeplane.Plane
	Namespace string
}

// ProcessStack is Slipway's services as operating-system processes (the
// api, two rollout workers, the health monitor, the promoter), started from
// the built binaries, on a three-node NATS cluster and a FerretDB in the
// test's process, targeting a local control plane through its kubeconfig.
// Kill is SIGKILL: nothing of a graceful stop happens, and nothing the
// process had under way goes on after it. Its logs are under dir/logs, one
// file per service, each new process appending to its service's file.
type ProcessStack struct {
	NATS   *natscluster.Cluster
	Target ProcessTarget
	APIURL string

	dir, apiAddr, keyFile string
	natsURL, kubeconfig   string
	webhookKey            []byte
	store                 *store
	mu                    sync.Mutex
	procs                 map[string]*e2e.Process // the running process of each service
	last                  map[string]*e2e.Process // the last process of each service, for its log
	failures              []error
}

// apiReadyLimit is how long a started api has to answer /readyz.
const apiReadyLimit = time.Minute

// StartProcessStack brings everything up: FerretDB under dir, then every
// service as a process, with every stream and bucket on three replicas. It
// returns once the api answers ready.
func StartProcessStack(nats *natscluster.Cluster, target ProcessTarget, dir string) (*ProcessStack, error) {
	s := &ProcessStack{NATS: nats, Target: target, dir: dir, procs: map[string]*e2e.Process{},
		last: map[string]*e2e.Process{}, natsURL: nats.URLs(), kubeconfig: target.Plane.KubeconfigPath()}
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		return nil, err
	}
	key := api.GenerateWebhookKey()
	var err error
	if s.webhookKey, err = base64.StdEncoding.DecodeString(key); err != nil {
		return nil, err
	}
	s.keyFile = filepath.Join(dir, "webhook-key")
	if err := os.WriteFile(s.keyFile, []byte(key+"\n"), 0o600); err != nil {
		return nil, err
	}
	mongoAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	if s.apiAddr, err = freeAddr(); err != nil {
		return nil, err
	}
	s.APIURL = "http://" + s.apiAddr
	if s.store, err = startStore(filepath.Join(dir, "ferretdb"), mongoAddr); err != nil {
		return nil, err
	}
	if err := startServices(s); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *ProcessStack) apiURL() string                    { return s.APIURL }
func (s *ProcessStack) natsCluster() *natscluster.Cluster { return s.NATS }
func (s *ProcessStack) replicas() int                     { return 3 }
func (s *ProcessStack) webhookKeys() [][]byte             { return [][]byte{s.webhookKey} }
func (s *ProcessStack) cluster() (kubernetes.Interface, string) {
	return s.Target.Plane.Client(), s.Target.Namespace
}

// MongoURI is the store's address.
func (s *ProcessStack) MongoURI() string { return s.store.uri() }

// StopStore stops FerretDB; StartStore starts it again on the same address
// and files.
func (s *ProcessStack) StopStore() { s.store.stop() }

// StartStore starts FerretDB again after StopStore.
func (s *ProcessStack) StartStore() error { return s.store.start() }

// StopAPIServer stops the target's kube-apiserver; StartAPIServer starts
// it again and waits until it is ready.
func (s *ProcessStack) StopAPIServer() error { return s.Target.Plane.StopAPIServer() }

// StartAPIServer starts the kube-apiserver StopAPIServer stopped.
func (s *ProcessStack) StartAPIServer(ctx context.Context) error {
	return s.Target.Plane.StartAPIServer(ctx)
}

// env is a service's environment: exactly these variables, PATH and HOME
// (nothing of the test's environment leaks in).
func (s *ProcessStack) env(name string) ([]string, string, error) {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		api.EnvNATSURL + "=" + s.natsURL, bus.EnvStreamReplicas + "=3"}
	target := []string{kube.EnvKubeconfig + "=" + s.kubeconfig, kube.EnvTargetName + "=" + e2e.TargetName,
		kube.EnvTargetNS + "=" + s.Target.Namespace, kube.EnvTargetBaseURL + "=" + e2e.TargetBaseURL}
	switch name {
	case SvcAPI:
		schedule := make([]string, len(webhookRetry))
		for i, d := range webhookRetry {
			schedule[i] = d.String()
		}
		return append(env, api.EnvHTTPAddr+"="+s.apiAddr, api.EnvMongoURI+"="+s.MongoURI(), api.EnvMongoDB+"=slipway",
			api.EnvInstanceID+"=faults-api", api.EnvWebhookKeyFile+"="+s.keyFile, api.EnvWebhooksAllowPrivate+"=true",
			api.EnvWebhookRetrySchedule+"="+strings.Join(schedule, ","), api.EnvInsecureNoAuth+"=true",
			api.EnvRateLimit+"=0", api.EnvReadRateLimit+"=0"), e2e.ServiceAPI, nil
	case SvcWorker1, SvcWorker2:
		return append(env, target...), e2e.ServiceWorker, nil
	case SvcMonitor:
		return append(append(env, target...), monitor.EnvSettle+"=500ms"), e2e.ServiceMonitor, nil
	case SvcPromoter:
		return env, e2e.ServicePromoter, nil
	}
	return nil, "", fmt.Errorf("no service %q", name)
}

// Start runs a new process of the service name (stopped or killed); for
// the api it waits until it answers ready (another api process killed
// may hold its port a moment).
func (s *ProcessStack) Start(name string) error {
	env, bin, err := s.env(name)
	if err != nil {
		return err
	}
	p, err := e2e.StartProcess(name, s.Target.Binaries.Path(bin), env, filepath.Join(s.dir, "logs"))
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.procs[name], s.last[name] = p, p
	s.mu.Unlock()
	if name != SvcAPI {
		return nil
	}
	return s.waitAPI(p)
}

// waitAPI waits until the api process p answers /readyz, or ends.
func (s *ProcessStack) waitAPI(p *e2e.Process) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(apiReadyLimit)
	for time.Now().Before(deadline) {
		if ended, err := p.Exited(); ended {
			return fmt.Errorf("the api process ended before it was ready (%v):\n%s", err, p.Tail(40))
		}
		if resp, err := client.Get(s.APIURL + "/readyz"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("the api process was not ready within %s:\n%s", apiReadyLimit, p.Tail(40))
}

// take removes the service's process from the stack, recording it as a
// failure if it had ended on its own.
func (s *ProcessStack) take(name string) *e2e.Process {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.procs[name]
	delete(s.procs, name)
	if p != nil {
		s.noteEnded(name, p)
	}
	return p
}

// noteEnded records p as a failure if it has ended; s.mu is held.
func (s *ProcessStack) noteEnded(name string, p *e2e.Process) {
	if ended, err := p.Exited(); ended {
		s.failures = append(s.failures, fmt.Errorf("%s ended on its own (%v); its log ends:\n%s", name, err, p.Tail(20)))
	}
}

// Kill SIGKILLs the service's process and waits until it is gone.
func (s *ProcessStack) Kill(name string) {
	if p := s.take(name); p != nil {
		if err := p.Kill(); err != nil {
			s.mu.Lock()
			s.failures = append(s.failures, err)
			s.mu.Unlock()
		}
	}
}

// Stop sends the service's process SIGTERM, SIGKILL after limit, and
// reports whether it is gone.
func (s *ProcessStack) Stop(name string, limit time.Duration) bool {
	p := s.take(name)
	return p == nil || p.Stop(limit) == nil
}

// Failures are the processes that ended on their own: those seen ended
// when killed or stopped, and those ended now.
func (s *ProcessStack) Failures() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]error(nil), s.failures...)
	for name, p := range s.procs {
		if ended, err := p.Exited(); ended {
			out = append(out, fmt.Errorf("%s ended on its own (%v); its log ends:\n%s", name, err, p.Tail(20)))
		}
	}
	return out
}

// Close stops every process (SIGTERM, SIGKILL after 5 s), then the store.
// The NATS cluster and the plane are the caller's.
func (s *ProcessStack) Close() {
	s.mu.Lock()
	procs := s.procs
	s.procs = map[string]*e2e.Process{}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() { defer wg.Done(); _ = p.Stop(5 * time.Second) }()
	}
	wg.Wait()
	s.store.stop()
}

// Logs is the tail of each service's log (lines each), for a failed run.
func (s *ProcessStack) Logs(lines int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, name := range sortedKeys(s.last) {
		p := s.last[name]
		fmt.Fprintf(&b, "===== %s (%s) =====\n%s\n", name, p.LogPath, p.Tail(lines))
	}
	return b.String()
}

// apiServerStopper is a system whose target's kube-apiserver can be
// stopped and started again (ProcessStack).
type apiServerStopper interface {
	StopAPIServer() error
	StartAPIServer(ctx context.Context) error
	system
}

// apiServerOutage stops the kube-apiserver, holds (wait), and starts it
// again, waiting up to 2 minutes for it to be ready. It returns the fault's
// target: the kube-apiserver, with the Kubernetes rollouts under way when
// it stopped. A system without one gets no fault, which is logged.
func (in *injector) apiServerOutage(ctx context.Context, wait func()) string {
	p, ok := in.stack.(apiServerStopper)
	if !ok {
		in.log("no kube-apiserver to stop: the target is simulated")
		return "none"
	}
	target := "kube-apiserver" + awaitRolloutUnderWay(ctx, p, aimLimit)
	if err := p.StopAPIServer(); err != nil {
		in.log("%v", err)
		return target
	}
	wait()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	if err := p.StartAPIServer(ctx); err != nil {
		in.log("restart the kube-apiserver: %v", err)
	}
	return target
}

// aimLimit bounds how long the outage waits for a Kubernetes rollout to
// be under way: the fault is the kube-apiserver stopped
// mid-rollout, and the schedule's commands start one every few seconds.
const aimLimit = 30 * time.Second

// awaitRolloutUnderWay waits, up to limit, until a Deployment of s's
// namespace is rolling out, and describes what it found when it stopped
// waiting as " (n of m Deployments rolling out)". Past limit it gives up
// (the outage goes ahead: it then says 0 of m).
func awaitRolloutUnderWay(ctx context.Context, s system, limit time.Duration) string {
	deadline := time.Now().Add(limit)
	for {
		n, m, err := rolloutsUnderWay(ctx, s)
		if err != nil {
			return fmt.Sprintf(" (Deployments unread: %v)", err)
		}
		if n > 0 || !time.Now().Before(deadline) || ctx.Err() != nil {
			return fmt.Sprintf(" (%d of %d Deployments rolling out)", n, m)
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// rolloutsUnderWay counts the Deployments of s's namespace whose
// Kubernetes rollout is not done (n) among all of them (m).
func rolloutsUnderWay(ctx context.Context, s system) (n, m int, err error) {
	cl, ns := s.cluster()
	l, err := cl.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, 0, err
	}
	for i := range l.Items {
		if done, _, _ := kubeplane.RolloutStatus(&l.Items[i]); !done {
			n++
		}
	}
	return n, len(l.Items), nil
}

// RunProcesses is Run on a ProcessStack: plan's schedule against the
// services as processes on nats, targeting target, with data and logs under
// dir. logs, when the run is over, is the tail of each service's log (to
// print when it failed).
func RunProcesses(ctx context.Context, nats *natscluster.Cluster, target ProcessTarget, dir string, plan Plan, log *slog.Logger,
	logf func(string, ...any)) (rep Report, logs string, err error) {
	s, err := StartProcessStack(nats, target, dir)
	if err != nil {
		return Report{Plan: plan}, "", err
	}
	defer s.Close()
	rep, err = run(ctx, s, plan, log, logf)
	return rep, s.Logs(60), err
}
