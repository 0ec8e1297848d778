package devstack

import (
	"context"
	"log/slog"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/kube/simcluster"
)

// SimulatedScheme is the scheme of a kubeconfig server that names a
// simulated cluster: a target registered with a kubeconfig whose server is
// simulated://<name> deploys to a simulated cluster of that name, started
// in this process on first use and shared by the worker and the monitor.
// Only slipway dev resolves it; real workers cannot reach such a server.
const SimulatedScheme = "simulated://"

// simClusters are the simulated clusters of registered targets, by name.
type simClusters struct {
	mu     sync.Mutex
	byName map[string]*simcluster.Cluster
	runCtx context.Context
	group  *errgroup.Group
	log    *slog.Logger
}

// connector is the stack's connector of registered targets: kubeconfig
// Secrets are read from the stack's own cluster (s.Target), and servers
// named simulated://<name> resolve to in-process simulated clusters.
func (s *Stack) connector(runCtx context.Context, g *errgroup.Group, o Options) kube.Connector {
	s.sims = &simClusters{byName: map[string]*simcluster.Cluster{}, runCtx: runCtx, group: g, log: o.Logger}
	return kube.Connector{Home: s.Target.Client, NewClient: s.sims.client}
}

func (c *simClusters) client(rc *rest.Config) (kubernetes.Interface, bool, error) {
	name, ok := strings.CutPrefix(rc.Host, SimulatedScheme)
	if !ok {
		cl, err := kubernetes.NewForConfig(rc)
		return cl, false, err
	}
	name = strings.TrimSuffix(name, "/")
	c.mu.Lock()
	defer c.mu.Unlock()
	cl, ok := c.byName[name]
	if !ok {
		cl = simcluster.New(simcluster.Options{Logger: c.log.With("service", "simulated-cluster", "cluster", name)})
		c.byName[name] = cl
		c.group.Go(func() error { return cl.Run(c.runCtx) })
	}
	return cl.Client(), true, nil
}

// SimulatedCluster returns the simulated cluster of a registered target's
// simulated://<name> server, once a worker or the monitor connected to it.
func (s *Stack) SimulatedCluster(name string) (*simcluster.Cluster, bool) {
	s.sims.mu.Lock()
	defer s.sims.mu.Unlock()
	cl, ok := s.sims.byName[name]
	return cl, ok
}
