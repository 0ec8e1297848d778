package localplane

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

const (
	// NodeName is the name of the single fake node KWOK simulates.
	NodeName = "kwok-node-0"
	// NodeAnnotation marks nodes KWOK manages (value "fake"); it is also the
	// key of the NoSchedule taint on those nodes (unless Options.NoTaint).
	NodeAnnotation = "kwok.x-k8s.io/node"
	// NodeLabel is a label set on the fake node (value "kwok") for NodeSelector.
	NodeLabel = "slipway.dev/node-type"
	// NeverReadyAnnotation, set to "true" on a pod (for example through a
	// pod template), makes KWOK run the pod but never mark it Ready.
	NeverReadyAnnotation = "sim.slipway.dev/never-ready"
	// ReadyDelayAnnotation, set on a pod to a Go duration ("3s"), makes KWOK
	// mark the pod Running and Ready only after that delay.
	ReadyDelayAnnotation = "sim.slipway.dev/ready-delay"

	nodeTaintValue = "fake"
	// nodePods is the pod capacity of the fake node: KWOK runs no real pods,
	// so it holds a fleet benchmark's N=10,000 deployments, their baseline's
	// copies and the surge of a change to all of them at once (at 250, N=200
	// left 150 of the baseline's pods Pending). The pod range (a /16) has
	// addresses for all of them.
	nodePods = "40000"
)

// Toleration returns the toleration a pod needs to be scheduled onto the
// fake node of a plane started without NoTaint (the node then carries the
// taint kwok.x-k8s.io/node=fake:NoSchedule). It is harmless on an
// untainted node.
func Toleration() corev1.Toleration {
	return corev1.Toleration{
		Key:      NodeAnnotation,
		Operator: corev1.TolerationOpEqual,
		Value:    nodeTaintValue,
		Effect:   corev1.TaintEffectNoSchedule,
	}
}

// NodeSelector returns a node selector matching only the fake node.
func NodeSelector() map[string]string {
	return map[string]string{NodeLabel: "kwok"}
}

// createNode registers the fake node, with the NoSchedule taint when taint
// is set. KWOK fills in its status and keeps its lease fresh; the
// node-lifecycle controller then lifts the not-ready taint the apiserver
// adds on creation.
func createNode(ctx context.Context, cs kubernetes.Interface, taint bool) error {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("64"),
		corev1.ResourceMemory: resource.MustParse("256Gi"),
		corev1.ResourcePods:   resource.MustParse(nodePods),
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: NodeName,
			Labels: map[string]string{
				NodeLabel:                "kwok",
				"kubernetes.io/hostname": NodeName,
				"kubernetes.io/os":       "linux",
				"kubernetes.io/arch":     "amd64",
				"type":                   "kwok",
			},
			Annotations: map[string]string{NodeAnnotation: nodeTaintValue},
		},
		Status: corev1.NodeStatus{Capacity: capacity, Allocatable: capacity},
	}
	if taint {
		node.Spec.Taints = []corev1.Taint{{Key: NodeAnnotation, Value: nodeTaintValue, Effect: corev1.TaintEffectNoSchedule}}
	}
	if _, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create node %s: %w", NodeName, err)
	}
	return nil
}

// nodeSchedulable reports whether the fake node is Ready and no longer
// carries the node.kubernetes.io/not-ready taint.
func nodeSchedulable(ctx context.Context, cs kubernetes.Interface) (bool, error) {
	n, err := cs.CoreV1().Nodes().Get(ctx, NodeName, metav1.GetOptions{})
	if err != nil {
		return false, fmt.Errorf("get node %s: %w", NodeName, err)
	}
	for _, t := range n.Spec.Taints {
		if t.Key == corev1.TaintNodeNotReady || t.Key == corev1.TaintNodeUnreachable {
			return false, nil
		}
	}
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue, nil
		}
	}
	return false, nil
}
