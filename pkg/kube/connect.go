package kube

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"slipway.dev/pkg/events"
)

// Sentinel errors of target connections.
var (
	// ErrConfiguredTarget: a configured target cannot be replaced or removed
	// by a registration.
	ErrConfiguredTarget = errors.New("the target is defined by the configuration")
	// ErrNoHomeCluster: a kubeconfig Secret names no cluster to read it from.
	ErrNoHomeCluster = errors.New("no home cluster to read the kubeconfig Secret from")
	// ErrBadKubeconfig: the referenced kubeconfig is missing or invalid.
	ErrBadKubeconfig = errors.New("kubeconfig is missing or invalid")
)

// DialTimeout bounds connecting to a target's API server, so an
// unreachable target fails its calls quickly instead of hanging them.
const DialTimeout = 5 * time.Second

// tune sets what every Slipway client of a target uses: its rate
// (TargetConfig.APIQPS; registered targets have the default) and a dial
// timeout.
func tune(rc *rest.Config, cfg TargetConfig) {
	rc.QPS, rc.Burst = cfg.apiRate()
	if rc.Dial == nil {
		rc.Dial = (&net.Dialer{Timeout: DialTimeout, KeepAlive: 30 * time.Second}).DialContext
	}
}

// probeConfig is rc for a target's ProbeClient: the same server and
// credentials, a rate limiter of its own. Probes are few (one per target
// at a time), so a small rate is enough.
func probeConfig(rc *rest.Config) *rest.Config {
	p := rest.CopyConfig(rc)
	p.RateLimiter = nil // NewForConfig builds a limiter of its own from QPS
	p.QPS, p.Burst = 5, 10
	return p
}

// Connector builds clients of targets registered through the API from their
// connection references. Building a client does not contact the target:
// an unreachable target still gets one, and Probe says it is unreachable.
type Connector struct {
	// Home reads kubeconfig Secrets (the worker's own cluster); nil refuses them.
	Home kubernetes.Interface
	// NewClient makes the client of a rest config; nil: a real client.
	// slipway dev uses it to resolve simulated clusters.
	NewClient func(*rest.Config) (client kubernetes.Interface, simulated bool, err error)
}

// Connect returns a Target for spec. Its errors name the reference, never
// credentials.
func (c Connector) Connect(ctx context.Context, spec events.TargetSpec) (*Target, error) {
	rc, err := c.restConfig(ctx, spec.Connection)
	if err != nil {
		return nil, fmt.Errorf("target %s (%s): %w", spec.Name, spec.Connection, err)
	}
	tune(rc, TargetConfig{})
	newClient := c.NewClient
	if newClient == nil {
		newClient = func(rc *rest.Config) (kubernetes.Interface, bool, error) {
			cl, err := kubernetes.NewForConfig(rc)
			return cl, false, err
		}
	}
	client, simulated, err := newClient(rc)
	if err != nil {
		return nil, fmt.Errorf("target %s: client: %w", spec.Name, err)
	}
	types := make(map[string]InstanceType, len(spec.InstanceTypes))
	for name, it := range spec.InstanceTypes {
		types[name] = InstanceType{CPU: it.CPU, Memory: it.Memory, GPU: it.GPU}
	}
	cfg := TargetConfig{Name: spec.Name, Region: spec.Region, Namespace: spec.Namespace, BaseURL: spec.BaseURL,
		InstanceTypes: types, InCluster: spec.Connection.InCluster, Kubeconfig: spec.Connection.KubeconfigFile, Routing: spec.Routing,
		PrometheusURL: spec.PrometheusURL}
	t := &Target{TargetConfig: cfg, Simulated: simulated, Client: client, Registered: true, Connection: spec.Connection}
	if !simulated {
		// HTTPRoutes are written with the dynamic client; a simulated
		// cluster has none (gateway routing then reports it cannot write).
		if t.Dynamic, err = dynamic.NewForConfig(rc); err != nil {
			return nil, fmt.Errorf("target %s: dynamic client: %w", spec.Name, err)
		}
		if t.ProbeClient, err = kubernetes.NewForConfig(probeConfig(rc)); err != nil {
			return nil, fmt.Errorf("target %s: probe client: %w", spec.Name, err)
		}
	}
	return t, nil
}

func (c Connector) restConfig(ctx context.Context, conn events.TargetConnection) (*rest.Config, error) {
	switch {
	case conn.InCluster:
		return rest.InClusterConfig()
	case conn.KubeconfigFile != "":
		b, err := os.ReadFile(conn.KubeconfigFile)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadKubeconfig, errors.Unwrap(err)) // no path twice, no content
		}
		return fromKubeconfig(b)
	case conn.KubeconfigSecret != nil:
		if c.Home == nil {
			return nil, ErrNoHomeCluster
		}
		ref := conn.KubeconfigSecret
		sec, err := c.Home.CoreV1().Secrets(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("read secret: %w", err)
		}
		b, ok := sec.Data[ref.Key]
		if !ok {
			return nil, fmt.Errorf("%w: the secret has no key %s", ErrBadKubeconfig, ref.Key)
		}
		return fromKubeconfig(b)
	}
	return nil, fmt.Errorf("%w: no connection", ErrBadKubeconfig)
}

// fromKubeconfig parses a kubeconfig; its error never quotes the content.
func fromKubeconfig(b []byte) (*rest.Config, error) {
	rc, err := clientcmd.RESTConfigFromKubeConfig(b)
	if err != nil {
		return nil, fmt.Errorf("%w: it does not parse or names no current context", ErrBadKubeconfig)
	}
	return rc, nil
}

// HomeClient is the client a worker reads kubeconfig Secrets with: the
// in-cluster one when it runs in a cluster, else the default target's.
func HomeClient(ts *Targets) kubernetes.Interface {
	if rc, err := rest.InClusterConfig(); err == nil {
		tune(rc, TargetConfig{})
		if cl, err := kubernetes.NewForConfig(rc); err == nil {
			return cl
		}
	}
	if t, ok := ts.Get(ts.Default); ok {
		return t.Client
	}
	return nil
}
