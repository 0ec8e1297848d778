package worker

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/telemetry"
	"slipway.dev/services/rollout-worker/internal/cluster"
	"slipway.dev/services/rollout-worker/internal/manifest"
	"slipway.dev/services/rollout-worker/internal/rollout"
)

// expectation is what a deployment's history says should run on a target,
// derived from the history as it was at count events.
type expectation struct {
	count   uint64
	ref     events.DeploymentRef
	target  string
	ns      string
	object  string
	settled bool // exists, not terminated, its last rollout ended
}

// Kinds of the objects whose deletion the drift check notices.
const (
	kindDeployment = "apps/v1 Deployment"
	kindService    = "v1 Service"
)

// refreshExpectations re-derives, from the EVENTS stream, which deployments
// should have objects on which target. A history only grows, so only
// subjects whose event count changed since the last round are folded again.
func (c *driftChecker) refreshExpectations(ctx context.Context) error {
	counts, err := c.bus.SubjectCounts(ctx, events.DeploymentEventSubjects)
	if err != nil {
		return err
	}
	if c.expected == nil {
		c.expected = map[string]expectation{}
	}
	for subject := range c.expected {
		if _, ok := counts[subject]; !ok {
			delete(c.expected, subject)
		}
	}
	for subject, n := range counts {
		if e, ok := c.expected[subject]; ok && e.count == n {
			continue
		}
		ref, ok := events.ParseDeploymentSubject(subject)
		if !ok {
			continue
		}
		st, err := loadState(ctx, c.bus, ref)
		if err != nil {
			return err
		}
		c.expected[subject] = expectation{count: n, ref: ref, target: st.Target.Name, ns: st.Target.Namespace, object: st.Target.ObjectName,
			settled: st.Exists && !st.Terminated && st.Rollout != nil && st.Rollout.Phase.Terminal()}
	}
	return nil
}

// checkDeleted finds the settled deployments of target t whose Deployment or
// Service is gone from the cluster (deployments and services: the names
// listed there) and handles each as drift: recreated by the revert policy,
// reported otherwise (a deletion is never adopted). Each deletion is
// reported once per worker while it lasts.
func (c *driftChecker) checkDeleted(ctx context.Context, t *kube.Target, deployments map[string]bool, services map[string]*corev1.Service) {
	for _, e := range c.expected {
		if !e.settled || e.target != t.Name || e.ns != t.Namespace || e.object == "" {
			continue
		}
		var kind string
		switch {
		case !deployments[e.object]:
			kind = kindDeployment
		case services[e.object] == nil:
			kind = kindService
		default:
			delete(c.reportedDeleted, e.ref)
			continue
		}
		object := kind + " " + e.ns + "/" + e.object
		if c.reportedDeleted[e.ref] == object {
			continue
		}
		if err := c.handleDeleted(ctx, t, e.ref, kind); err != nil && ctx.Err() == nil {
			c.log.WarnContext(ctx, "drift check: deleted object", "deployment", e.ref.String(), "object", object, "err", err)
		}
	}
}

func (c *driftChecker) handleDeleted(ctx context.Context, t *kube.Target, ref events.DeploymentRef, kind string) error {
	st, err := loadState(ctx, c.bus, ref)
	if err != nil {
		return err
	}
	if !st.Exists || st.Terminated || st.Rollout == nil || !st.Rollout.Phase.Terminal() || st.Target.Name != t.Name {
		return nil
	}
	ns, name := st.Target.Namespace, st.Target.ObjectName
	if gone, err := stillGone(ctx, t, kind, ns, name); err != nil || !gone {
		return err
	}
	object := kind + " " + ns + "/" + name
	ev := events.DriftDetected{Revision: st.Current, Object: object, Fields: []string{}, Deleted: true, Action: events.DriftReported}
	if c.policy == DriftPolicyRevert {
		objs := manifest.Render(ref, st.Target, st.Revisions[st.Current], t.InstanceTypes, false)
		if err := cluster.Apply(ctx, t.Client, objs); err != nil {
			return fmt.Errorf("recreate %s: %w", object, err)
		}
		ev.Action = events.DriftReverted
	}
	c.log.WarnContext(ctx, "drift detected: object deleted outside Slipway", "deployment", ref.String(), "object", object, "action", ev.Action)
	meta := events.Meta{Actor: "system:rollout-worker", TraceParent: telemetry.TraceParent(ctx)}
	// Workers that see the same deletion compute the same id: one event.
	id := fmt.Sprintf("%s/r%d/drift/deleted/%d/%s", ref, st.Current, st.LastSeq, object)
	if err := appendDecided(ctx, c.bus, &st, ref, meta, func(s rollout.State) []events.Message {
		return rollout.DecideDrift(s, ev, nil, "")
	}, func(events.Message) string { return id }); err != nil {
		return err
	}
	if ev.Action == events.DriftReported {
		c.reportedDeleted[ref] = object
	}
	return nil
}

// stillGone confirms with a read that the object is absent (the lists the
// round started from may be a moment old).
func stillGone(ctx context.Context, t *kube.Target, kind, ns, name string) (bool, error) {
	var err error
	if kind == kindService {
		_, err = t.Client.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
	} else {
		_, err = t.Client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
	}
	if apierrors.IsNotFound(err) {
		return true, nil
	}
	return false, err
}

// removeLeftover deletes the Deployment and Service of a deployment whose
// termination finished: a drift revert that raced the termination (it read
// the history just before the terminate was decided) can recreate them
// after the terminate removed them.
func (c *driftChecker) removeLeftover(ctx context.Context, t *kube.Target, ref events.DeploymentRef, name string) error {
	c.log.WarnContext(ctx, "drift check: removing the objects of a terminated deployment", "deployment", ref.String(), "object", name)
	if err := cluster.DeleteDeployment(ctx, t.Client, t.Namespace, name); err != nil {
		return err
	}
	return cluster.DeleteService(ctx, t.Client, t.Namespace, name)
}
