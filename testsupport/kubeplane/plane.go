package kubeplane

import (
	"context"

	corev1 "k8s.io/api/core/v1"

	"slipway.dev/pkg/kube/localplane"
)

// The plane itself lives in slipway.dev/pkg/kube/localplane (slipway dev
// runs it too); these names keep tests on one import.
type (
	// Plane is a running control plane; see localplane.Plane.
	Plane = localplane.Plane
	// Options configure Start; see localplane.Options.
	Options = localplane.Options
)

// Names of the fake node and the pod annotations KWOK honours; see localplane.
const (
	KubernetesVersion    = localplane.KubernetesVersion
	BuildCommand         = localplane.BuildCommand
	NodeName             = localplane.NodeName
	NodeAnnotation       = localplane.NodeAnnotation
	NodeLabel            = localplane.NodeLabel
	NeverReadyAnnotation = localplane.NeverReadyAnnotation
	ReadyDelayAnnotation = localplane.ReadyDelayAnnotation
)

// EnvRequired, set to "1" (in CI), turns a skip for missing binaries into a failure.
const EnvRequired = "SLIPWAY_KUBE_REQUIRED"

// Start starts a plane; see localplane.Start. Tests usually want Shared,
// Namespace or StartT instead.
func Start(ctx context.Context, opts Options) (*Plane, error) { return localplane.Start(ctx, opts) }

// BinDir returns the folder holding the control-plane binaries; see localplane.BinDir.
func BinDir() string { return localplane.BinDir() }

// Available reports whether the binaries are present; see localplane.Available.
func Available() (ok bool, reason string) { return localplane.Available() }

// Toleration returns the toleration a pod needs for the tainted fake node.
func Toleration() corev1.Toleration { return localplane.Toleration() }

// NodeSelector returns a node selector matching only the fake node.
func NodeSelector() map[string]string { return localplane.NodeSelector() }
