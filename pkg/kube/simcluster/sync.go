package simcluster

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
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

// Sync steps the simulated controllers once, synchronously, over the
// Deployments that may change: those written since the last Sync (the
// Deployment itself, or a pod or autoscaler of it) and those whose state
// moves with time alone (see settled), which stay due until they settle.
// Each is held within its autoscalers' range and advances by one Step: pods
// are created, updated and deleted to match, status is written when it
// changed, and pods whose owning Deployment is gone are deleted. A settled
// Deployment nothing wrote to costs nothing. Tests can call it instead of
// Run for fully deterministic progress.
func (c *Cluster) Sync(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := metav1.Now().Rfc3339Copy().Time // the apiserver stores seconds
	c.forgetActions()
	// Pods deleted by anyone: forget their ages.
	for _, uid := range c.changes.takeGone() {
		delete(c.ages, uid)
	}
	work := c.changes.takeDirty()
	maps.Copy(work, c.due)
	clear(c.due)
	keys := slices.SortedFunc(maps.Keys(work), func(a, b types.NamespacedName) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	c.examined = len(keys)
	var errs []error
	for _, k := range keys {
		settled, err := c.syncKey(ctx, k, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("deployment %s: %w", k, err))
		}
		if !settled || err != nil { // retried next tick
			c.due[k] = struct{}{}
		}
	}
	return errors.Join(errs...)
}

// syncKey examines the Deployment named k: deletes the pods of a deleted
// Deployment of that name, holds the current one within its autoscalers'
// range and steps it. settled reports that nothing was written and nothing
// in it moves with time.
func (c *Cluster) syncKey(ctx context.Context, k types.NamespacedName, now time.Time) (settled bool, err error) {
	d, err := c.client.AppsV1().Deployments(k.Namespace).Get(ctx, k.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		d, err = nil, nil
	}
	if err != nil {
		return false, err
	}
	pods, err := c.ownedPods(ctx, k, d)
	if d == nil {
		delete(c.hashes, k)
		return true, err // the deletions are writes: k is examined once more
	}
	errs := []error{err, c.autoscale(ctx, d)}
	h := c.hashes[k]
	if h.uid != d.UID || h.generation != d.Generation {
		h = hashedSpec{d.UID, d.Generation, TemplateHash(&d.Spec.Template)}
		c.hashes[k] = h
	}
	settled, err = c.syncDeployment(ctx, d, h.hash, pods, now)
	return settled, errors.Join(append(errs, err)...)
}

// ownedPods returns the pods d controls, sorted by name so that Step's
// tie-breaks repeat, and deletes those of an earlier Deployment named like
// d (all of them when d is nil: it was deleted).
func (c *Cluster) ownedPods(ctx context.Context, k types.NamespacedName, d *appsv1.Deployment) ([]*corev1.Pod, error) {
	var out []*corev1.Pod
	var errs []error
	for _, ref := range c.changes.podsOf(k) {
		p, err := c.fake.CoreV1().Pods(k.Namespace).Get(ctx, ref.name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err): // deleted meanwhile
		case err != nil:
			errs = append(errs, err)
		case d == nil || ref.owner != d.UID:
			errs = append(errs, c.deletePod(ctx, p))
		default:
			out = append(out, p)
		}
	}
	return out, errors.Join(errs...)
}

// syncDeployment steps d with its pods objs and writes the result; settled
// reports that it wrote nothing and nothing in d moves with time.
func (c *Cluster) syncDeployment(ctx context.Context, d *appsv1.Deployment, hash string, objs []*corev1.Pod, now time.Time) (bool, error) {
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
	wrote := len(res.Deleted) > 0

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
			wrote = true
			continue
		}
		o := byName[p.Name]
		c.ages[o.UID] = p.Age
		if was := prev[p.Name]; was.Ready != p.Ready || was.Restarts != p.Restarts {
			o = o.DeepCopy()
			setPodStatus(o, p)
			_, err := c.fake.CoreV1().Pods(o.Namespace).UpdateStatus(ctx, o, metav1.UpdateOptions{FieldManager: statusManager})
			errs = append(errs, err)
			wrote = true
		}
	}
	if !equality.Semantic.DeepEqual(d.Status, res.Status) {
		errs = append(errs, c.writeStatus(ctx, d, res.Status))
		wrote = true
	}
	return !wrote && settled(d, res, now), errors.Join(errs...)
}

func (c *Cluster) writeStatus(ctx context.Context, d *appsv1.Deployment, st appsv1.DeploymentStatus) error {
	out := d.DeepCopy()
	out.Status = st
	_, err := c.client.AppsV1().Deployments(d.Namespace).UpdateStatus(ctx, out, metav1.UpdateOptions{FieldManager: statusManager})
	if apierrors.IsNotFound(err) {
		err = nil // deleted meanwhile; its pods are collected next tick
	}
	c.log.Debug("simcluster: deployment status", "namespace", d.Namespace, "deployment", d.Name,
		"generation", d.Generation, "replicas", st.Replicas, "updated", st.UpdatedReplicas,
		"ready", st.ReadyReplicas, "available", st.AvailableReplicas)
	return err
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
	err := c.fake.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	c.log.Debug("simcluster: deleted pod", "namespace", p.Namespace, "pod", p.Name)
	return nil
}
