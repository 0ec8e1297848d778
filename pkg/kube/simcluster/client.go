package simcluster

import (
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	typedappsv1 "k8s.io/client-go/kubernetes/typed/apps/v1"
	k8stesting "k8s.io/client-go/testing"
)

// clientset is the fake clientset with Deployments routed through
// deployments, which adds the apiserver semantics the fake lacks. Every
// other resource is the fake's as is.
type clientset struct {
	*fake.Clientset
	events *eventTracker
	store  *deployStore
}

// Tracker returns the tracker the clientset's reactors use (the embedded
// fake's own is unused).
func (c *clientset) Tracker() k8stesting.ObjectTracker {
	return c.events
}

var _ kubernetes.Interface = (*clientset)(nil)

// AppsV1 returns the fake's apps/v1 client with Deployments wrapped.
func (c *clientset) AppsV1() typedappsv1.AppsV1Interface {
	return &appsV1{AppsV1Interface: c.Clientset.AppsV1(), store: c.store}
}

type appsV1 struct {
	typedappsv1.AppsV1Interface
	store *deployStore
}

func (a *appsV1) Deployments(namespace string) typedappsv1.DeploymentInterface {
	return &deployments{DeploymentInterface: a.AppsV1Interface.Deployments(namespace), store: a.store}
}

// deployStore is shared by every Deployments client of one Cluster.
type deployStore struct {
	// mu serialises Deployment writes so each read-compute-write is atomic
	// with respect to other writes made through Client().
	mu sync.Mutex
	// scratch is a second fake used to compute what a patch or apply would
	// produce without publishing it to the real fake's watchers.
	scratch        *fake.Clientset
	scratchObjects k8stesting.ObjectTracker // scratch's tracker
}

var deploymentsResource = appsv1.SchemeGroupVersion.WithResource("deployments")

// preview returns what write produces when run against a copy of before,
// leaving the real fake untouched. Callers hold s.mu.
func (s *deployStore) preview(before *appsv1.Deployment, write func(typedappsv1.DeploymentInterface) (*appsv1.Deployment, error)) (*appsv1.Deployment, error) {
	tracker := s.scratchObjects
	if err := tracker.Add(before.DeepCopy()); err != nil {
		return nil, err
	}
	defer func() { _ = tracker.Delete(deploymentsResource, before.Namespace, before.Name) }()
	return write(s.scratch.AppsV1().Deployments(before.Namespace))
}
