package faults

import (
	"time"

	"k8s.io/client-go/kubernetes"

	"slipway.dev/testsupport/natscluster"
)

// system is what a run drives and observes: Stack (the services in the
// test's process against the simulated cluster) or ProcessStack (the
// services as processes against a local Kubernetes control plane). Service
// names are SvcAPI, SvcWorker1...; Kill ends one with no graceful step,
// Start runs a new one, Stop kills it and waits up to limit for it to be
// gone (false: it was not).
type system interface {
	apiURL() string
	natsCluster() *natscluster.Cluster
	MongoURI() string
	// replicas is the stream and bucket replicas the services declare.
	replicas() int
	// webhookKeys seal the webhook signing secrets (the rebuild's api
	// needs them to read the subscriptions).
	webhookKeys() [][]byte
	// cluster is the client and namespace the cluster invariant reads the
	// deployments' objects through.
	cluster() (kubernetes.Interface, string)
	Start(name string) error
	Kill(name string)
	Stop(name string, limit time.Duration) bool
	StopStore()
	StartStore() error
	// Failures are the services that stopped on their own (not killed).
	Failures() []error
	Close()
}

// services are every service a system runs, in the order they start.
var services = []string{SvcAPI, SvcWorker1, SvcWorker2, SvcMonitor, SvcPromoter}

// startServices starts every service of sys; on a failure it closes sys.
func startServices(sys system) error {
	for _, name := range services {
		if err := sys.Start(name); err != nil {
			sys.Close()
			return err
		}
	}
	return nil
}

func (s *Stack) apiURL() string                          { return s.APIURL }
func (s *Stack) natsCluster() *natscluster.Cluster       { return s.NATS }
func (s *Stack) replicas() int                           { return s.StreamCopies }
func (s *Stack) webhookKeys() [][]byte                   { return [][]byte{s.webhookKey} }
func (s *Stack) cluster() (kubernetes.Interface, string) { return s.Target.Client, s.Target.Namespace }
