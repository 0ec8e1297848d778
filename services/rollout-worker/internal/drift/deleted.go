package drift

import (
	"context"
	"fmt"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/telemetry"
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
// should have objects on which target, and returns every deployment
// subject's event count (nil when they could not be read). A history only
// grows, so only subjects whose event count changed since the last round
// are folded again.
func (c *Checker) refreshExpectations(ctx context.Context) (map[string]uint64, error) {
	counts, err := c.history.Counts(ctx)
	if err != nil {
		return nil, err
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
		st, err := c.history.Load(ctx, ref)
		if err != nil {
			return nil, err
		}
		c.expected[subject] = expectation{count: n, ref: ref, target: st.Target.Name, ns: st.Target.Namespace, object: st.Target.ObjectName,
			settled: st.Exists && !st.Terminated && st.Rollout != nil && st.Rollout.Phase.Terminal()}
	}
	return counts, nil
}

// checkDeleted finds the settled deployments of target t whose Deployment or
// Service is gone from the cluster (as its cached objects say) and handles each as drift: recreated by the revert policy,
// reported otherwise (a deletion is never adopted). Each deletion is
// reported once per worker while it lasts.
func (c *Checker) checkDeleted(ctx context.Context, t *kube.Target, objs Objects) {
	for _, e := range c.expected {
		if !e.settled || e.target != t.Name || e.ns != t.Namespace || e.object == "" {
			continue
		}
		var kind string
		switch {
		case objs.Deployment(e.object) == nil:
			kind = kindDeployment
		case objs.Service(e.object) == nil:
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

func (c *Checker) handleDeleted(ctx context.Context, t *kube.Target, ref events.DeploymentRef, kind string) error {
	st, err := c.history.Load(ctx, ref)
	if err != nil {
		return err
	}
	if !st.Exists || st.Terminated || st.Rollout == nil || !st.Rollout.Phase.Terminal() || st.Target.Name != t.Name {
		return nil
	}
	ns, name := st.Target.Namespace, st.Target.ObjectName
	// The caches may be a moment old: confirm with a read.
	if gone, err := c.apply.Gone(ctx, t, kind, ns, name); err != nil || !gone {
		return err
	}
	object := kind + " " + ns + "/" + name
	ev := events.DriftDetected{Revision: st.Current, Object: object, Fields: []string{}, Deleted: true, Action: events.DriftReported}
	if c.policy == PolicyRevert {
		objs := manifest.Render(ref, st.Target, st.Revisions[st.Current], t.InstanceTypes, false)
		if err := c.apply.Apply(ctx, t, objs); err != nil {
			return fmt.Errorf("recreate %s: %w", object, err)
		}
		ev.Action = events.DriftReverted
	}
	c.log.WarnContext(ctx, "drift detected: object deleted outside Slipway", "deployment", ref.String(), "object", object, "action", ev.Action)
	meta := events.ByService(events.ActorRolloutWorker, "", telemetry.TraceParent(ctx))
	// Workers that see the same deletion compute the same id: one event.
	id := fmt.Sprintf("%s/r%d/drift/deleted/%d/%s", ref, st.Current, st.LastSeq, object)
	if err := c.history.Append(ctx, &st, ref, meta, func(s rollout.State) []events.Message {
		return rollout.DecideDrift(s, ev, nil, "")
	}, func(events.Message) string { return id }); err != nil {
		return err
	}
	if ev.Action == events.DriftReported {
		c.reportedDeleted[ref] = object
	}
	return nil
}

// removeLeftover deletes the Deployment and Service of a deployment whose
// termination finished: a drift revert that raced the termination (it read
// the history just before the terminate was decided) can recreate them
// after the terminate removed them.
func (c *Checker) removeLeftover(ctx context.Context, t *kube.Target, ref events.DeploymentRef, name string) error {
	c.log.WarnContext(ctx, "drift check: removing the objects of a terminated deployment", "deployment", ref.String(), "object", name)
	return c.apply.RemoveLeftover(ctx, t, name)
}
