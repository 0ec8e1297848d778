// Package devstack runs all of Slipway in one process: embedded NATS and
// FerretDB with data under one folder, the four services, and a Kubernetes
// target. `slipway dev` starts it; the test tiers start it through
// slipway.dev/testsupport/devstacktest (the package is outside the CLI's
// internal/ so that the testsupport module can import it).
package devstack

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

// Options configure a stack.
type Options struct {
	DataDir string
	// Addr is where the API listens (host:port; port 0 picks one).
	Addr string
	// ClusterMode picks the Kubernetes target: ClusterAuto, ClusterLocal,
	// ClusterSimulated or ClusterKubeconfig (see ResolveCluster). Empty
	// means: the cluster Kubeconfig names when set, else a simulated one.
	ClusterMode string
	// Kubeconfig names a cluster to deploy to (modes auto and kubeconfig).
	Kubeconfig string
	Namespace  string
	// Cluster, when set, is the simulated cluster to use instead of a new one.
	Cluster *simcluster.Cluster
	// MaxConcurrentRollouts bounds the rollouts running at once on the target
	// (0: the default, kube.DefaultMaxConcurrentRollouts).
	MaxConcurrentRollouts int
	// DriftInterval is how often the worker checks for changes made outside
	// Slipway (0: every 10 s).
	DriftInterval time.Duration
	// DriftPolicy is revert (default), report or adopt.
	DriftPolicy string
	// TargetTimeout is how long a rollout waits for an unreachable target
	// (0: the worker's default, 60 s); TargetCheckInterval how often targets'
	// reachability is checked (0: 15 s).
	TargetTimeout       time.Duration
	TargetCheckInterval time.Duration
	// NoWorker leaves the rollout worker out (tests of commands accepted
	// while no worker runs).
	NoWorker bool
	// AllowPrivateWebhookTargets lets webhook URLs reach loopback and
	// private addresses (test receivers listen on 127.0.0.1).
	AllowPrivateWebhookTargets bool
	// WebhookRetrySchedule is the api's (empty: the Standard Webhooks one,
	// retries over hours; tests shorten it).
	WebhookRetrySchedule []time.Duration
	// Auth configures the API's authentication; nil runs without (every
	// caller an anonymous global admin), as slipway dev does by default on
	// loopback.
	Auth   *api.AuthConfig
	Logger *slog.Logger
}

// Stack is a running Slipway.
type Stack struct {
	URL string
	// NATSURL carries the embedded NATS's credentials: log
	// bus.Redacted(NATSURL). MongoURI names FerretDB's Unix socket.
	NATSURL   string
	MongoURI  string
	Target    *kube.Target
	Simulated bool
	// Cluster is the resolved cluster mode (ClusterKubeconfig, ClusterLocal
	// or ClusterSimulated) and ClusterDescription its DescribeCluster line.
	Cluster            string
	ClusterDescription string

	plane  *localplane.Plane // the local plane, when Cluster is ClusterLocal
	sims   *simClusters      // simulated clusters of registered targets
	nats   *embedded.NATS
	ferret *embedded.FerretDB
	cancel context.CancelFunc
	group  *errgroup.Group
	once   sync.Once
	err    error
}

// Start brings the stack up and returns once the API is listening. Its
// first log line names the Kubernetes target. ctx bounds the start (the
// local plane's included); Close stops the stack.
func Start(ctx context.Context, o Options) (s *Stack, err error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	cluster, err := ResolveCluster(o)
	if err != nil {
		return nil, err
	}
	if err := recordCluster(o.DataDir, cluster); err != nil {
		return nil, err
	}
	started := &Stack{Cluster: cluster, ClusterDescription: DescribeCluster(cluster, o)}
	s = started
	o.Logger.Info("kubernetes target: "+s.ClusterDescription, "cluster", cluster)
	defer func() {
		if err != nil { // s is nil by then: `return nil, err` set it
			_ = started.Close()
		}
	}()
	// Other local users must not reach the stack's data nor its servers
	// (whoever writes the tokens' bucket makes global admins): the data
	// folder is 0700, NATS admits only the credentials in s.NATSURL and
	// FerretDB listens on a socket in a 0700 folder, not on TCP.
	if err := embedded.PrivateDir(o.DataDir); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	if s.nats, err = embedded.StartNATS(filepath.Join(o.DataDir, "nats"), "127.0.0.1", 0); err != nil {
		return nil, err
	}
	if s.ferret, err = embedded.StartPrivateFerretDB(filepath.Join(o.DataDir, "ferretdb")); err != nil {
		return nil, err
	}
	s.NATSURL, s.MongoURI = s.nats.URL(), s.ferret.URI()
	keyFile, err := webhookKeyFile(o.DataDir)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", o.Addr, err)
	}
	s.URL = "http://" + ln.Addr().String()

	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	g, gctx := errgroup.WithContext(runCtx)
	s.group = g
	target, err := s.target(ctx, gctx, g, o)
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	target.MaxConcurrentRollouts = o.MaxConcurrentRollouts
	targets, err := kube.NewTargets(target)
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	drift := o.DriftInterval
	if drift == 0 {
		drift = 10 * time.Second
	}
	log := o.Logger
	connector := s.connector(gctx, g, o)
	auth := api.AuthConfig{InsecureNoAuth: true}
	if o.Auth != nil {
		auth = *o.Auth
	}
	g.Go(func() error {
		// One process per data directory: after a crash its restart takes
		// the projector's lease back at once under the same id.
		return api.Run(gctx, api.Config{Listener: ln, NATSURL: s.NATSURL, MongoURI: s.MongoURI, MongoDB: "slipway", InstanceID: "slipway-dev", WebhookKeyFile: keyFile,
			AllowPrivateWebhookTargets: o.AllowPrivateWebhookTargets, WebhookRetrySchedule: o.WebhookRetrySchedule, Auth: auth, Logger: log.With("service", "api")})
	})
	if !o.NoWorker {
		g.Go(func() error {
			return worker.Run(gctx, worker.Config{NATSURL: s.NATSURL, Targets: targets, DriftInterval: drift, DriftPolicy: o.DriftPolicy,
				TargetTimeout: o.TargetTimeout, TargetCheckInterval: o.TargetCheckInterval, Connector: connector,
				Logger: log.With("service", "rollout-worker")})
		})
	}
	g.Go(func() error {
		return monitor.Run(gctx, monitor.Config{NATSURL: s.NATSURL, Targets: targets, Settle: settle(s.Simulated), Connector: connector,
			Logger: log.With("service", "health-monitor")})
	})
	g.Go(func() error {
		return promoter.Run(gctx, promoter.Config{NATSURL: s.NATSURL, Logger: log.With("service", "promoter")})
	})
	return s, nil
}

// target makes the target of s.Cluster: a kubeconfig's cluster, the local
// plane, or a simulated cluster (o.Cluster or a new one). startCtx bounds
// starting a local plane; what keeps running uses runCtx, in g.
func (s *Stack) target(startCtx, runCtx context.Context, g *errgroup.Group, o Options) (*kube.Target, error) {
	ns := namespace(o)
	switch s.Cluster {
	case ClusterKubeconfig:
		t, err := kube.Connect(kube.TargetConfig{Name: localTargetName, Namespace: ns, BaseURL: "http://local.slipway.localhost",
			Kubeconfig: o.Kubeconfig})
		if err != nil {
			return nil, err
		}
		s.Target = t
		return t, nil
	case ClusterLocal:
		t, err := s.startLocal(startCtx, runCtx, g, o)
		if err != nil {
			return nil, err
		}
		s.Target = t
		return t, nil
	}
	cluster := o.Cluster
	if cluster == nil {
		cluster = simcluster.New(simcluster.Options{Logger: o.Logger.With("service", "simulated-cluster")})
		g.Go(func() error { return cluster.Run(runCtx) })
	}
	s.Simulated = true
	s.Target = &kube.Target{
		TargetConfig: kube.TargetConfig{Name: "simulated", Namespace: ns, BaseURL: "http://simulated.slipway.localhost"},
		Simulated:    true, Client: cluster.Client(),
	}
	return s.Target, nil
}

// settle is how long a health state must hold before it is published: the
// simulated cluster does not flap, so it reports transitions quickly.
func settle(simulated bool) time.Duration {
	if simulated {
		return 500 * time.Millisecond
	}
	return 3 * time.Second
}

// Close stops the services, then the local plane, NATS and FerretDB, and
// returns the first error a service stopped with, joined with the plane's
// stop error.
func (s *Stack) Close() error {
	s.once.Do(func() {
		if s.cancel != nil {
			s.cancel()
			s.err = s.group.Wait()
		}
		if s.plane != nil {
			s.err = errors.Join(ignoreCanceled(s.err), s.plane.Stop())
		}
		if s.nats != nil {
			s.nats.Close()
		}
		if s.ferret != nil {
			s.ferret.Close()
		}
		s.err = ignoreCanceled(s.err)
	})
	return s.err
}

func ignoreCanceled(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// Wait blocks until a service fails or the stack is closed.
func (s *Stack) Wait() error { return s.group.Wait() }

// webhookKeyFile is the key sealing webhook signing secrets in dir, made
// (0600) on the first start and kept with the data it seals.
func webhookKeyFile(dir string) (string, error) {
	path := filepath.Join(dir, "webhook-key")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("data dir: %w", err)
	}
	if err := os.WriteFile(path, []byte(api.GenerateWebhookKey()+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("webhook key: %w", err)
	}
	return path, nil
}
