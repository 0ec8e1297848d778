package simcluster

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// statusManager is the field manager of the simulated controller's writes.
const statusManager = "simcluster-deployment-controller"

// ownerKey identifies a Deployment as its pods' controller reference does.
type ownerKey struct {
	namespace, name string
	uid             types.UID
}

// Sync steps every simulated controller once, synchronously: each
// Deployment advances by one Step, pods are created, updated and deleted to
// match, status is written when it changed, and pods whose owning
// Deployment is gone are deleted. Tests can call it instead of Run for
// fully deterministic progress.
func (c *Cluster) Sync(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := metav1.Now().Rfc3339Copy().Time // the apiserver stores seconds
	deps, err := c.client.AppsV1().Deployments(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	var errs []error
	errs = append(errs, c.syncAutoscalers(ctx, deps.Items))
	pods, err := c.fake.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	// The fake lists in random order; sort so that Step's tie-breaks repeat.
	slices.SortFunc(pods.Items, func(a, b corev1.Pod) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	owned := map[ownerKey][]*corev1.Pod{}
	for i := range pods.Items {
		p := &pods.Items[i]
		if ref := metav1.GetControllerOf(p); ref != nil && ref.Kind == "Deployment" {
			k := ownerKey{p.Namespace, ref.Name, ref.UID}
			owned[k] = append(owned[k], p)
		}
	}
	hashes := make(map[types.UID]hashedSpec, len(deps.Items))
	for i := range deps.Items {
		d := &deps.Items[i]
		h, ok := c.hashes[d.UID]
		if !ok || h.generation != d.Generation {
			h = hashedSpec{d.Generation, TemplateHash(&d.Spec.Template)}
		}
		hashes[d.UID] = h
		k := ownerKey{d.Namespace, d.Name, d.UID}
		errs = append(errs, c.syncDeployment(ctx, d, h.hash, owned[k], now))
		delete(owned, k)
	}
	c.hashes = hashes               // forgets deleted Deployments
	for _, orphans := range owned { // their Deployment was deleted
		for _, p := range orphans {
			errs = append(errs, c.deletePod(ctx, p))
		}
	}
	return errors.Join(errs...)
}

func (c *Cluster) syncDeployment(ctx context.Context, d *appsv1.Deployment, hash string, objs []*corev1.Pod, now time.Time) error {
	in := make([]Pod, len(objs))
	byName := make(map[string]*corev1.Pod, len(objs))
	for i, o := range objs {
		age, ok := c.ages[o.UID]
		in[i] = podState(o, age)
		if !ok && in[i].Ready {
			in[i].Age = c.readyAfter
		}
		byName[o.Name] = o
	}
	res := step(d, hash, in, c.readyAfter, now)

	var errs []error
	for _, p := range res.Deleted {
		errs = append(errs, c.deletePod(ctx, byName[p.Name]))
	}
	prev := make(map[string]Pod, len(in))
	for _, p := range in {
		prev[p.Name] = p
	}
	for _, p := range res.Pods {
		if p.Name == "" {
			errs = append(errs, c.createPod(ctx, d, p, now))
			continue
		}
		o := byName[p.Name]
		c.ages[o.UID] = p.Age
		if was := prev[p.Name]; was.Ready != p.Ready || was.Restarts != p.Restarts {
			o = o.DeepCopy()
			setPodStatus(o, p)
			_, err := c.fake.CoreV1().Pods(o.Namespace).UpdateStatus(ctx, o, metav1.UpdateOptions{FieldManager: statusManager})
			errs = append(errs, err)
		}
	}
	if !equality.Semantic.DeepEqual(d.Status, res.Status) {
		out := d.DeepCopy()
		out.Status = res.Status
		_, err := c.client.AppsV1().Deployments(d.Namespace).UpdateStatus(ctx, out, metav1.UpdateOptions{FieldManager: statusManager})
		if apierrors.IsNotFound(err) {
			err = nil // deleted meanwhile; its pods are collected next tick
		}
		errs = append(errs, err)
		c.log.Debug("simcluster: deployment status", "namespace", d.Namespace, "deployment", d.Name,
			"generation", d.Generation, "replicas", res.Status.Replicas, "updated", res.Status.UpdatedReplicas,
			"ready", res.Status.ReadyReplicas, "available", res.Status.AvailableReplicas)
	}
	return errors.Join(errs...)
}

func (c *Cluster) createPod(ctx context.Context, d *appsv1.Deployment, p Pod, now time.Time) error {
	var err error
	for range 3 { // retry the rare random-suffix collision
		o := newPodObject(d, p, now)
		if _, err = c.fake.CoreV1().Pods(o.Namespace).Create(ctx, o, metav1.CreateOptions{FieldManager: statusManager}); err == nil {
			c.ages[o.UID] = p.Age
			c.log.Debug("simcluster: created pod", "namespace", o.Namespace, "pod", o.Name)
			return nil
		}
		if !apierrors.IsAlreadyExists(err) {
			break
		}
	}
	return fmt.Errorf("create pod for deployment %s/%s: %w", d.Namespace, d.Name, err)
}

func (c *Cluster) deletePod(ctx context.Context, p *corev1.Pod) error {
	delete(c.ages, p.UID)
	err := c.fake.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	c.log.Debug("simcluster: deleted pod", "namespace", p.Namespace, "pod", p.Name)
	return nil
}
