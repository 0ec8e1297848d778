package devstack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/kube/localplane"
)

// Cluster modes, the values of Options.ClusterMode. Start resolves auto to
// one of the others (Stack.Cluster).
const (
	// ClusterAuto is the cluster of Kubeconfig when set, else the local
	// plane when its binaries are present, else a simulated cluster.
	ClusterAuto = "auto"
	// ClusterKubeconfig is the cluster of Kubeconfig, which must be set.
	ClusterKubeconfig = "kubeconfig"
	// ClusterLocal is a real control plane run by the stack (see
	// slipway.dev/pkg/kube/localplane) with its data in <DataDir>/kube; its
	// binaries must be present.
	ClusterLocal = "local"
	// ClusterSimulated is a simulated cluster in the process (Options.Cluster
	// when set, else a new one).
	ClusterSimulated = "simulated"
)

// localTargetName is the target name of both a kubeconfig cluster and the local plane.
const localTargetName = "local"

// ResolveCluster says which cluster Start uses for o: ClusterKubeconfig,
// ClusterLocal or ClusterSimulated. An empty ClusterMode keeps the stack's
// original rule, which never starts a local plane: Kubeconfig when set,
// else simulated. Explicit local and simulated modes ignore Kubeconfig.
func ResolveCluster(o Options) (string, error) {
	switch o.ClusterMode {
	case "", ClusterAuto:
		if o.Kubeconfig != "" {
			return ClusterKubeconfig, nil
		}
		if o.ClusterMode == ClusterAuto && o.Cluster == nil {
			if recorded := recordedCluster(o.DataDir); recorded != "" {
				return recordedOrRefuse(recorded, o.DataDir)
			}
			if ok, _ := localplane.Available(); ok {
				return ClusterLocal, nil
			}
		}
		return ClusterSimulated, nil
	case ClusterKubeconfig:
		if o.Kubeconfig == "" {
			return "", errors.New("cluster mode kubeconfig: no kubeconfig given")
		}
		return ClusterKubeconfig, nil
	case ClusterLocal:
		if ok, reason := localplane.Available(); !ok {
			return "", fmt.Errorf("local cluster: %s", reason)
		}
		return ClusterLocal, nil
	case ClusterSimulated:
		return ClusterSimulated, nil
	}
	return "", fmt.Errorf("unknown cluster mode %q (want %s, %s, %s or %s)", o.ClusterMode,
		ClusterAuto, ClusterLocal, ClusterSimulated, ClusterKubeconfig)
}

// clusterRecord is the file in the data folder naming the cluster (local or
// simulated) the stack last ran with. Auto mode keeps to it: the histories
// in the folder name that cluster's target, and a stack restarted on the
// other one would not know it (every rollout in flight would fail
// TargetUnavailable once the local plane's binaries appeared).
const clusterRecord = "cluster"

// recordedCluster is the cluster a data folder was last started with: its
// record, else "local" when it holds a local plane's data, else
// "simulated" when it holds events (a folder from before the record), else
// "" (a new folder).
func recordedCluster(dataDir string) string {
	if dataDir == "" {
		return ""
	}
	if b, err := os.ReadFile(filepath.Join(dataDir, clusterRecord)); err == nil {
		switch c := strings.TrimSpace(string(b)); c {
		case ClusterLocal, ClusterSimulated:
			return c
		}
	}
	if _, err := os.Stat(LocalPlaneDir(dataDir)); err == nil {
		return ClusterLocal
	}
	if _, err := os.Stat(filepath.Join(dataDir, "nats")); err == nil {
		return ClusterSimulated
	}
	return ""
}

// recordedOrRefuse keeps auto mode on the cluster the folder was started
// with; a local plane whose binaries are gone is an error that says how to
// go on, not a silent switch.
func recordedOrRefuse(recorded, dataDir string) (string, error) {
	if recorded == ClusterLocal {
		if ok, reason := localplane.Available(); !ok {
			return "", fmt.Errorf("data folder %s was started with the local cluster, which cannot start now (%s); "+
				"build it, or start with --cluster simulated on another --data folder", dataDir, reason)
		}
	}
	return recorded, nil
}

// recordCluster notes the cluster a stack on dataDir runs with (see
// clusterRecord); a kubeconfig cluster is not recorded.
func recordCluster(dataDir, cluster string) error {
	if dataDir == "" || (cluster != ClusterLocal && cluster != ClusterSimulated) {
		return nil
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("record the cluster: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dataDir, clusterRecord), []byte(cluster+"\n"), 0o600); err != nil {
		return fmt.Errorf("record the cluster: %w", err)
	}
	return nil
}

// LocalPlaneDir is where the local plane of a stack on dataDir keeps its
// PKI, etcd data, kubeconfig and logs.
func LocalPlaneDir(dataDir string) string { return filepath.Join(dataDir, "kube") }

// DescribeCluster is the one-line description of a resolved cluster that
// the banner and the first log line of `slipway dev` show.
func DescribeCluster(cluster string, o Options) string {
	switch cluster {
	case ClusterKubeconfig:
		return fmt.Sprintf("kubeconfig: the cluster of %s, namespace %s", o.Kubeconfig, namespace(o))
	case ClusterLocal:
		return "local: a real Kubernetes control plane (etcd, kube-apiserver, controller-manager, scheduler, " +
			"KWOK simulated nodes) in " + LocalPlaneDir(o.DataDir)
	default:
		return "simulated: a SIMULATED cluster in this process; no real pods run"
	}
}

func namespace(o Options) string {
	if o.Namespace == "" {
		return "default"
	}
	return o.Namespace
}

// startLocal starts the local plane with an untainted node, so the worker's
// ordinary pods schedule on it, and returns a target for it. The plane is
// new at every start, like a simulated cluster: its folder is emptied first
// (etcd data of an earlier run would not match the new credentials). A
// plane process that exits ends the stack (through g, unless runCtx ended
// first); Close stops the plane. ctx bounds the start.
func (s *Stack) startLocal(ctx, runCtx context.Context, g *errgroup.Group, o Options) (*kube.Target, error) {
	dir := LocalPlaneDir(o.DataDir)
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("local cluster: clear %s: %w", dir, err)
	}
	log := o.Logger.With("service", "local-cluster")
	p, err := localplane.Start(ctx, localplane.Options{Dir: dir, NoTaint: true,
		Logf: func(format string, args ...any) { log.Info(fmt.Sprintf(format, args...)) }})
	if err != nil {
		return nil, fmt.Errorf("local cluster: %w", err)
	}
	s.plane = p
	ns := namespace(o)
	nsCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := p.EnsureNamespace(nsCtx, ns); err != nil {
		return nil, fmt.Errorf("local cluster: %w", err)
	}
	t, err := kube.Connect(kube.TargetConfig{Name: localTargetName, Namespace: ns, BaseURL: "http://local.slipway.localhost",
		Kubeconfig: p.KubeconfigPath()})
	if err != nil {
		return nil, fmt.Errorf("local cluster: %w", err)
	}
	g.Go(func() error {
		select {
		case <-runCtx.Done():
			return nil
		case <-p.Exited():
			return fmt.Errorf("local cluster stopped (logs in %s): %w", filepath.Join(dir, "logs"), p.Err())
		}
	})
	return t, nil
}
