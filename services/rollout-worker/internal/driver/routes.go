package driver

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/telemetry"
	"slipway.dev/services/rollout-worker/internal/cluster"
	"slipway.dev/services/rollout-worker/internal/manifest"
	"slipway.dev/services/rollout-worker/internal/rollout"
)

// routeLocks serialises route reconciles of one deployment within a
// worker, so a reconcile of an older state never finishes after a newer one.
var routeLocks sync.Map // deployment ref string -> *sync.Mutex

// reconcileRoutes renders a deployment's routing objects (HTTPRoutes or
// Ingresses, and per-version Services) for what it serves now, applies them,
// deletes the ones it no longer needs, and records the outcome
// (RoutingChanged) when it differs from the last one recorded. It is called
// whenever what is served changes: a revision applied, a rollout succeeded
// (per-version paths, keepWarm), an alias moved or deleted.
//
// A refusal that a retry will not change (no Gateway API on the cluster, an
// invalid or forbidden object) is recorded on the deployment with its
// reason and not retried: routing never crash-loops the worker nor blocks a
// rollout. Other errors (the cluster unreachable) are returned.
func (d *Driver) reconcileRoutes(ctx context.Context, ref events.DeploymentRef) error {
	mu, _ := routeLocks.LoadOrStore(ref.String(), &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	st, err := d.history.Load(ctx, ref)
	if err != nil {
		return err
	}
	target, ok := d.targets.Get(st.Target.Name)
	if !ok || !st.Exists || st.Terminated {
		return nil
	}
	r := manifest.RenderRouting(ref, st.Target, target.Routing, rollout.ServedRevisions(st))
	if r.Kind == events.RoutingNone && st.Routing == nil {
		return nil // never routed: nothing to render or remove
	}
	ev := events.RoutingChanged{Kind: r.Kind, Setting: target.Routing.Fingerprint()}
	have := d.routes.reader(ctx, target, st.Target.Namespace)
	if st.Routing != nil {
		have = cluster.WithRecorded(have, st.Target.Namespace, st.Routing.Objects)
	}
	objects, err := cluster.ReconcileRouting(ctx, target.Client, target.Dynamic, have, st.Target.Namespace, ref, r)
	switch {
	case err == nil && len(objects) == 0:
		ev.Reason = events.ReasonRoutesRemoved
	case err == nil:
		ev.Reason, ev.Objects, ev.Paths = events.ReasonRoutesApplied, objects, r.Paths
	case errors.Is(err, cluster.ErrGatewayAPIMissing):
		ev.Reason, ev.Message = events.ReasonGatewayAPIMissing, err.Error()
	case errors.Is(err, cluster.ErrNoDynamicClient) || permanent(err):
		ev.Reason, ev.Message = events.ReasonRoutingFailed, err.Error()
	default:
		return err
	}
	if ev.Message != "" {
		d.log.WarnContext(ctx, "routing not applied", "deployment", ref.String(), "target", target.Name, "reason", ev.Reason, "err", err)
	}
	meta := events.ByService(events.ActorRolloutWorker, "", telemetry.TraceParent(ctx))
	return d.history.Append(ctx, &st, ref, meta, func(s rollout.State) []events.Message {
		return rollout.DecideRouting(s, ev)
	}, func(events.Message) string { return fmt.Sprintf("%s/routing/%d", ref, st.LastSeq) })
}

// RoutesBestEffort reconciles routes where a failure must not fail the work
// around it (a rollout): the next change renders them again.
func (d *Driver) RoutesBestEffort(ctx context.Context, ref events.DeploymentRef) {
	if err := d.reconcileRoutes(ctx, ref); err != nil && ctx.Err() == nil {
		d.log.WarnContext(ctx, "routing: will render again on the next change", "deployment", ref.String(), "err", err)
	}
}
