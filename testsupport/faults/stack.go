package faults

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/kube/simcluster"
	api "slipway.dev/services/api"
	monitor "slipway.dev/services/health-monitor"
	"slipway.dev/services/promoter"
	worker "slipway.dev/services/rollout-worker"
	"slipway.dev/testsupport/natscluster"
	"slipway.dev/testsupport/netfault"
)

// Stack is Slipway's four services in the test's process (two rollout
// workers) on a three-node NATS cluster, a FerretDB and a simulated cluster.
// Every service instance reaches NATS and the store through proxies of its
// own (netfault), so killing one cuts its connections at once before its
// context is cancelled: the servers see it vanish mid-flight, with no
// graceful Nak, drain or lease release, as after a SIGKILL. (What it still
// does in the simulated cluster between the cut and its goroutines ending is
// the one difference from a process killed.)
type Stack struct {
	NATS    *natscluster.Cluster
	Cluster *simcluster.Cluster
	Target  *kube.Target
	APIURL  string

	log          *slog.Logger
	apiAddr      string
	mongoAddr    string
	webhookKey   []byte
	retry        []time.Duration
	targets      *kube.Targets
	store        *store
	mu           sync.Mutex
	services     map[string]*instance
	wg           sync.WaitGroup
	failures     []error
	runCtx       context.Context
	cancelAll    context.CancelFunc
	StreamCopies int
}

// Service names, as Kill and Restart take them.
const (
	SvcAPI      = "api"
	SvcWorker1  = "rollout-worker-1"
	SvcWorker2  = "rollout-worker-2"
	SvcMonitor  = "health-monitor"
	SvcPromoter = "promoter"
)

// instance is one run of a service.
type instance struct {
	cancel  context.CancelFunc
	proxies []*netfault.Proxy
	done    chan struct{}
}

// StartStack brings everything up: the NATS cluster (nats), FerretDB under
// dir, the simulated cluster and the services, declaring every stream and
// bucket with three replicas.
func StartStack(ctx context.Context, nats *natscluster.Cluster, dir string, retry []time.Duration, log *slog.Logger) (*Stack, error) {
	s := &Stack{NATS: nats, log: log, retry: retry, services: map[string]*instance{}, StreamCopies: 3}
	s.runCtx, s.cancelAll = context.WithCancel(context.WithoutCancel(ctx))
	s.webhookKey = make([]byte, 32)
	_, _ = rand.Read(s.webhookKey)
	var err error
	if s.mongoAddr, err = freeAddr(); err != nil {
		return nil, err
	}
	if s.apiAddr, err = freeAddr(); err != nil {
		return nil, err
	}
	s.APIURL = "http://" + s.apiAddr
	if s.store, err = startStore(dir+"/ferretdb", s.mongoAddr); err != nil {
		return nil, err
	}
	s.Cluster = simcluster.New(simcluster.Options{Logger: log.With("service", "simulated-cluster")})
	go func() { _ = s.Cluster.Run(s.runCtx) }()
	s.Target = &kube.Target{TargetConfig: kube.TargetConfig{Name: "simulated", Namespace: "default", BaseURL: "http://simulated.slipway.localhost"},
		Simulated: true, Client: s.Cluster.Client()}
	if s.targets, err = kube.NewTargets(s.Target); err != nil {
		return nil, err
	}
	if err := startServices(s); err != nil {
		return nil, err
	}
	return s, nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// MongoURI is the store's address, for the test's own reads (not proxied).
func (s *Stack) MongoURI() string { return s.store.uri() }

// Start runs a new instance of the service name (stopped or killed).
func (s *Stack) Start(name string) error {
	in := &instance{done: make(chan struct{})}
	var urls []string
	for _, n := range s.NATS.Nodes() {
		p, err := netfault.New(strings.TrimPrefix(n.URL(), "nats://"))
		if err != nil {
			return err
		}
		in.proxies = append(in.proxies, p)
		urls = append(urls, "nats://"+p.Addr())
	}
	natsURL := strings.Join(urls, ",")
	ctx, cancel := context.WithCancel(s.runCtx)
	in.cancel = cancel
	log := s.log.With("service", name)
	var run func() error
	switch name {
	case SvcAPI:
		mongo, err := netfault.New(s.mongoAddr)
		if err != nil {
			cancel()
			return err
		}
		in.proxies = append(in.proxies, mongo)
		ln, err := listenAgain(s.apiAddr)
		if err != nil {
			cancel()
			return err
		}
		run = func() error {
			return api.Run(ctx, api.Config{Listener: ln, NATSURL: natsURL, StreamReplicas: s.StreamCopies,
				MongoURI: "mongodb://" + mongo.Addr() + "/", MongoDB: "slipway", InstanceID: "faults-api",
				WebhookKeys: [][]byte{s.webhookKey}, AllowPrivateWebhookTargets: true, WebhookRetrySchedule: s.retry,
				Auth: api.AuthConfig{InsecureNoAuth: true}, Logger: log})
		}
	case SvcWorker1, SvcWorker2:
		run = func() error {
			return worker.Run(ctx, worker.Config{NATSURL: natsURL, StreamReplicas: s.StreamCopies, Targets: s.targets,
				Connector: kube.Connector{Home: s.Target.Client}, Logger: log})
		}
	case SvcMonitor:
		run = func() error {
			return monitor.Run(ctx, monitor.Config{NATSURL: natsURL, StreamReplicas: s.StreamCopies, Targets: s.targets,
				Settle: 500 * time.Millisecond, Connector: kube.Connector{Home: s.Target.Client}, Logger: log})
		}
	case SvcPromoter:
		run = func() error {
			return promoter.Run(ctx, promoter.Config{NATSURL: natsURL, StreamReplicas: s.StreamCopies, Logger: log})
		}
	default:
		cancel()
		return fmt.Errorf("no service %q", name)
	}
	s.mu.Lock()
	s.services[name] = in
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(in.done)
		err := run()
		if err != nil && !errors.Is(err, context.Canceled) && ctx.Err() == nil {
			// A service that stops on its own while not killed is a finding.
			s.mu.Lock()
			s.failures = append(s.failures, fmt.Errorf("%s stopped: %w", name, err))
			s.mu.Unlock()
		}
	}()
	return nil
}

// listenAgain listens on addr, retrying while a killed instance's listener
// lets go of it (up to 30 s).
func listenAgain(addr string) (net.Listener, error) {
	var err error
	for range 300 {
		var ln net.Listener
		if ln, err = net.Listen("tcp", addr); err == nil {
			return ln, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil, fmt.Errorf("listen %s again: %w", addr, err)
}

// Kill cuts the service's connections to NATS and the store, then cancels
// it; it does not wait for its goroutines (their connections are cut).
func (s *Stack) Kill(name string) {
	s.mu.Lock()
	in := s.services[name]
	delete(s.services, name)
	s.mu.Unlock()
	if in == nil {
		return
	}
	for _, p := range in.proxies {
		p.Close()
	}
	in.cancel()
}

// Stop kills the service as Kill does, then waits up to limit for its
// goroutines to end, so nothing it had under way (an append, a write to the
// simulated cluster) lands after the caller's next observation. False when
// they had not ended in time.
func (s *Stack) Stop(name string, limit time.Duration) bool {
	s.mu.Lock()
	in := s.services[name]
	s.mu.Unlock()
	s.Kill(name)
	if in == nil {
		return true
	}
	select {
	case <-in.done:
		return true
	case <-time.After(limit):
		return false
	}
}

// StopStore stops FerretDB; StartStore starts it again on the same address
// and files.
func (s *Stack) StopStore() { s.store.stop() }

// StartStore starts FerretDB again after StopStore.
func (s *Stack) StartStore() error { return s.store.start() }

// Failures are the errors services stopped with on their own.
func (s *Stack) Failures() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.failures...)
}

// Close stops every service, waits for them (up to a minute), then the
// store and the simulated cluster. The NATS cluster is the caller's.
func (s *Stack) Close() {
	s.mu.Lock()
	names := make([]string, 0, len(s.services))
	for n := range s.services {
		names = append(names, n)
	}
	s.mu.Unlock()
	for _, n := range names {
		s.mu.Lock()
		in := s.services[n]
		s.mu.Unlock()
		in.cancel()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
	}
	for _, n := range names {
		for _, p := range s.services[n].proxies {
			p.Close()
		}
	}
	s.cancelAll()
	s.StopStore()
}
