package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"slipway.dev/pkg/embedded"
	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/kube/localplane"
	"slipway.dev/pkg/kube/simcluster"
	api "slipway.dev/services/api"
	monitor "slipway.dev/services/health-monitor"
	"slipway.dev/services/promoter"
	worker "slipway.dev/services/rollout-worker"
)

// Cluster kinds a Stack deploys to.
const (
	// ClusterSimulated is simcluster in the process.
	ClusterSimulated = "simulated"
	// ClusterLocal is the local control plane (pkg/kube/localplane); its
	// binaries must be built (localplane.Available).
	ClusterLocal = "local"
)

// StackOptions configure a Stack.
type StackOptions struct {
	// DataDir holds NATS, FerretDB and local plane data.
	DataDir string
	// Cluster is ClusterSimulated (default) or ClusterLocal.
	Cluster string
	// Logger receives the services' logs (default: discarded).
	Logger *slog.Logger
	// Production runs drift and health at the services' production
	// intervals (their LoadConfig defaults) instead of the dev ones.
	Production bool
	// MaxConcurrentRollouts is the target's rollout limit (0: the default
	// of kube.DefaultMaxConcurrentRollouts; negative: none).
	MaxConcurrentRollouts int
	// MaxRollouts is how many rollouts the worker drives at once (0: its
	// default, SLIPWAY_MAX_ROLLOUTS's 64).
	MaxRollouts int
}

// Stack is all of Slipway in this process, wired as `slipway dev` wires it
// (slipway.dev/cmd/slipway/devstack): the api on a loopback port, the
// rollout worker, health monitor and promoter, embedded NATS and FerretDB,
// and a simulated or local Kubernetes target.
type Stack struct {
	URL      string
	NATSURL  string
	MongoURI string
	// MongoDB is the api's database name.
	MongoDB string
	// DataDir holds the stack's data.
	DataDir string
	Target  *kube.Target
	Plane   *localplane.Plane // the local plane, for ClusterLocal

	log    *slog.Logger
	nats   *embedded.NATS
	ferret *embedded.FerretDB
	cancel context.CancelFunc
	group  *errgroup.Group
	ctx    context.Context // the services' context

	mainAPI   *Service // the api serving URL
	workerSvc *Service
	once      sync.Once
	err       error
}

// StartStack starts a Stack and returns once its API listens. ctx bounds
// the start; Close stops the stack.
func StartStack(ctx context.Context, o StackOptions) (s *Stack, err error) {
	var tail *logTail
	if o.Logger == nil {
		tail = newLogTail(20)
		o.Logger = slog.New(slog.NewJSONHandler(tail, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	s = &Stack{MongoDB: "slipway", DataDir: o.DataDir, log: o.Logger}
	defer func() {
		if err != nil {
			_ = s.Close()
			s = nil
			if tail != nil && tail.String() != "" {
				err = fmt.Errorf("%w; the services' last warnings and errors:\n%s", err, tail.String())
			}
		}
	}()
	if s.nats, err = embedded.StartNATS(filepath.Join(o.DataDir, "nats"), "127.0.0.1", 0); err != nil {
		return s, err
	}
	if s.ferret, err = embedded.StartFerretDB(filepath.Join(o.DataDir, "ferretdb"), "127.0.0.1:0"); err != nil {
		return s, err
	}
	s.NATSURL, s.MongoURI = s.nats.URL(), s.ferret.URI()
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	s.group, s.ctx = errgroup.WithContext(runCtx)
	if s.Target, err = s.startTarget(ctx, o); err != nil {
		return s, err
	}
	targets, err := kube.NewTargets(s.Target)
	if err != nil {
		return s, err
	}
	if s.mainAPI, err = s.StartAPI(s.MongoDB); err != nil {
		return s, err
	}
	s.URL = s.mainAPI.URL
	wcfg, mcfg, err := serviceConfigs(o.Production, s.Target.Simulated)
	if err != nil {
		return s, err
	}
	if o.MaxRollouts > 0 {
		wcfg.MaxRollouts = o.MaxRollouts
	}
	s.startWorker(wcfg, targets)
	mcfg.NATSURL, mcfg.Targets, mcfg.Logger = s.NATSURL, targets, s.log.With("service", "health-monitor")
	s.group.Go(func() error { return monitor.Run(s.ctx, mcfg) })
	s.group.Go(func() error {
		return promoter.Run(s.ctx, promoter.Config{NATSURL: s.NATSURL, Logger: s.log.With("service", "promoter")})
	})
	return s, s.waitReady(ctx)
}

// Service is a service running in the stack's process until Stop.
type Service struct {
	// URL is the base URL of an api.
	URL  string
	name string
	stop context.CancelFunc
	// exited is closed when the service's Run returned, err then set.
	exited chan struct{}
	err    error
}

// Stop stops the service and returns the error it stopped with.
func (v *Service) Stop() error {
	if v.stop == nil {
		return nil
	}
	v.stop()
	v.stop = nil
	<-v.exited
	return ignoreCanceled(v.err)
}

func (s *Stack) run(name string, fn func(context.Context) error) *Service {
	ctx, stop := context.WithCancel(s.ctx)
	v := &Service{name: name, stop: stop, exited: make(chan struct{})}
	go func() {
		defer close(v.exited)
		v.err = fn(ctx)
	}()
	return v
}

// waitReady waits for the stack's api to list a target, and fails at once
// with the reason when a service of the stack stops meanwhile (rather than
// after waitReady's own deadline, without one).
func (s *Stack) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	for _, v := range []*Service{s.mainAPI, s.workerSvc} {
		go func() {
			select {
			case <-v.exited:
				cancel(fmt.Errorf("%s stopped while the stack started: %w", v.name, v.err))
			case <-ctx.Done():
			}
		}()
	}
	go func() {
		select {
		case <-s.ctx.Done(): // a service of the group returned
			cancel(fmt.Errorf("the stack stopped while it started: %w", s.group.Wait()))
		case <-ctx.Done():
		}
	}()
	err := waitReady(ctx, s.URL)
	if cause := context.Cause(ctx); err != nil && cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return err
}

// StartAPI runs one more api on a loopback port with database db (the
// stack's own api uses s.MongoDB). Its projector starts from the checkpoint
// in db, so an empty db replays all of EVENTS.
func (s *Stack) StartAPI(db string) (*Service, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	v := s.run("api "+db, func(ctx context.Context) error {
		return api.Run(ctx, api.Config{Listener: ln, NATSURL: s.NATSURL, MongoURI: s.MongoURI, MongoDB: db, Auth: api.AuthConfig{InsecureNoAuth: true},
			WebhookSecretsUnsealed: true, // no subscriptions in the benchmarks
			Logger:                 s.log.With("service", "api", "db", db)})
	})
	v.URL = "http://" + ln.Addr().String()
	return v, nil
}

func (s *Stack) startWorker(cfg worker.Config, targets *kube.Targets) {
	cfg.NATSURL, cfg.Targets, cfg.Logger = s.NATSURL, targets, s.log.With("service", "rollout-worker")
	s.workerSvc = s.run("rollout-worker", func(ctx context.Context) error { return worker.Run(ctx, cfg) })
}

// serviceConfigs are the worker's and the monitor's settings: `slipway
// dev`'s short drift interval and health settle, or with production the
// defaults each service's LoadConfig gives without flags or environment.
func serviceConfigs(production, simulated bool) (worker.Config, monitor.Config, error) {
	if !production {
		settle := 3 * time.Second
		if simulated {
			settle = 500 * time.Millisecond
		}
		return worker.Config{DriftInterval: 10 * time.Second}, monitor.Config{Settle: settle}, nil
	}
	// A kubeconfig path only makes the configs valid; the targets are the
	// stack's own.
	getenv := func(k string) string {
		if k == kube.EnvKubeconfig {
			return os.DevNull
		}
		return ""
	}
	w, err := worker.LoadConfig(nil, getenv)
	if err != nil {
		return w, monitor.Config{}, fmt.Errorf("worker defaults: %w", err)
	}
	m, err := monitor.LoadConfig(nil, getenv)
	if err != nil {
		return w, m, fmt.Errorf("health monitor defaults: %w", err)
	}
	w.TargetConfigs, m.TargetConfigs = nil, nil
	return w, m, nil
}

// StopAPI stops the stack's api (and its projector).
func (s *Stack) StopAPI() error { return s.mainAPI.Stop() }

// StopWorker stops the rollout worker: commands accepted from then on stay
// in COMMANDS undecided.
func (s *Stack) StopWorker() error { return s.workerSvc.Stop() }

// startTarget makes the stack's Kubernetes target.
func (s *Stack) startTarget(ctx context.Context, o StackOptions) (*kube.Target, error) {
	switch o.Cluster {
	case "", ClusterSimulated:
		cluster := simcluster.New(simcluster.Options{})
		s.group.Go(func() error { return cluster.Run(s.ctx) })
		return &kube.Target{TargetConfig: kube.TargetConfig{Name: "simulated", Namespace: "default",
			BaseURL: "http://simulated.slipway.localhost", MaxConcurrentRollouts: o.MaxConcurrentRollouts}, Simulated: true, Client: cluster.Client()}, nil
	case ClusterLocal:
		return s.startLocal(ctx, o)
	}
	return nil, fmt.Errorf("unknown cluster %q (want %s or %s)", o.Cluster, ClusterSimulated, ClusterLocal)
}

// startLocal starts the local plane with an untainted node, as `slipway dev
// --cluster local` does.
func (s *Stack) startLocal(ctx context.Context, o StackOptions) (*kube.Target, error) {
	if ok, reason := localplane.Available(); !ok {
		return nil, errors.New(reason)
	}
	dir := filepath.Join(o.DataDir, "kube")
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	p, err := localplane.Start(ctx, localplane.Options{Dir: dir, NoTaint: true})
	if err != nil {
		return nil, err
	}
	s.Plane = p
	return kube.Connect(kube.TargetConfig{Name: "local", Namespace: "default", BaseURL: "http://local.slipway.localhost",
		Kubeconfig: p.KubeconfigPath(), MaxConcurrentRollouts: o.MaxConcurrentRollouts})
}

// walMB is the size of database db's SQLite write-ahead log in FerretDB's
// folder, in MB (0 when there is none).
func (s *Stack) walMB(db string) float64 {
	fi, err := os.Stat(filepath.Join(s.DataDir, "ferretdb", db+".sqlite-wal"))
	if err != nil {
		return 0
	}
	return float64(fi.Size()) / (1 << 20)
}

// Close stops the services, the plane, NATS and FerretDB.
func (s *Stack) Close() error {
	s.once.Do(func() {
		if s.cancel != nil {
			s.cancel()
			for _, v := range []*Service{s.mainAPI, s.workerSvc} {
				if v != nil {
					s.err = errors.Join(s.err, v.Stop())
				}
			}
			s.err = errors.Join(s.err, ignoreCanceled(s.group.Wait()))
		}
		if s.Plane != nil {
			s.err = errors.Join(s.err, s.Plane.Stop())
		}
		if s.nats != nil {
			s.nats.Close()
		}
		if s.ferret != nil {
			s.ferret.Close()
		}
	})
	return s.err
}

func ignoreCanceled(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
