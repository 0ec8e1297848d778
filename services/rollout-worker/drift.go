package worker

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	coreac "k8s.io/client-go/applyconfigurations/core/v1"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/telemetry"
	"slipway.dev/services/rollout-worker/internal/cluster"
	"slipway.dev/services/rollout-worker/internal/manifest"
	"slipway.dev/services/rollout-worker/internal/rollout"
)

// Drift policies: what the worker does when a managed object was changed
// outside Slipway. Both report the drift as an event.
const (
	DriftPolicyRevert = "revert"
	DriftPolicyReport = "report"
	// DriftPolicyAdopt takes the change into a new revision when every
	// changed field maps to the spec (replicas, image, env values, command,
	// args); otherwise the drift is reported, never half adopted.
	DriftPolicyAdopt = "adopt"
)

// driftChecker periodically compares every settled deployment's Kubernetes
// Deployment with the revision Slipway applied. Deployments with a rollout in
// flight are skipped: the rollout owns them. Several workers may check the
// same deployment; the event id (revision and object generation) makes the
// report one event.
type driftChecker struct {
	bus      *bus.Conn
	targets  *kube.Targets
	log      *slog.Logger
	interval time.Duration
	policy   string
	// reroute renders a deployment's routes again (the driver's).
	reroute func(context.Context, events.DeploymentRef)

	// Owned by run's goroutine: what each history expects on the clusters,
	// and the deletions already reported (not reverted) by this worker.
	expected        map[string]expectation
	reportedDeleted map[events.DeploymentRef]string
}

func (c *driftChecker) run(ctx context.Context) {
	t := time.NewTicker(c.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.round(ctx)
		}
	}
}

// round checks every target once. Without a fresh view of the histories
// (the bus unreachable) deleted objects are not looked for this round.
func (c *driftChecker) round(ctx context.Context) {
	if c.reportedDeleted == nil {
		c.reportedDeleted = map[events.DeploymentRef]string{}
	}
	fresh := true
	if err := c.refreshExpectations(ctx); err != nil {
		fresh = false
		if ctx.Err() == nil {
			c.log.WarnContext(ctx, "drift check: read the histories", "err", err)
		}
	}
	for _, target := range c.targets.All() {
		c.checkTarget(ctx, target, fresh)
	}
}

func (c *driftChecker) checkTarget(ctx context.Context, t *kube.Target, lookForDeleted bool) {
	if t.Client == nil {
		return // a registered target whose kubeconfig could not be read
	}
	// An unreachable target costs one bounded call, not one per deployment.
	listCtx, cancel := context.WithTimeout(ctx, 2*kube.ProbeTimeout)
	managed := metav1.ListOptions{LabelSelector: kube.LabelManagedBy + "=" + kube.ManagedByValue}
	list, err := t.Client.AppsV1().Deployments(t.Namespace).List(listCtx, managed)
	if err != nil {
		cancel()
		c.log.WarnContext(ctx, "drift check: list deployments", "target", t.Name, "err", err)
		return
	}
	svcs, err := t.Client.CoreV1().Services(t.Namespace).List(listCtx, managed)
	cancel()
	services := map[string]*corev1.Service{}
	if err != nil {
		c.log.WarnContext(ctx, "drift check: list services", "target", t.Name, "err", err)
		lookForDeleted = false
	} else {
		for i := range svcs.Items {
			services[svcs.Items[i].Name] = &svcs.Items[i]
		}
	}
	hpas := c.listAutoscalers(ctx, t, managed)
	deployments := make(map[string]bool, len(list.Items))
	for i := range list.Items {
		name := list.Items[i].Name
		deployments[name] = true
		live := listed{svc: services[name], hpa: hpas[name], hpaKnown: hpas != nil, services: services}
		if err := c.check(ctx, t, &list.Items[i], live); err != nil && ctx.Err() == nil {
			c.log.WarnContext(ctx, "drift check", "target", t.Name, "deployment", list.Items[i].Name, "err", err)
		}
	}
	if !lookForDeleted {
		return
	}
	c.checkDeleted(ctx, t, deployments, services)
}

// listed are a deployment's Service and autoscaler as the round listed them
// (nil when not listed; hpaKnown false when autoscalers could not be listed).
type listed struct {
	svc      *corev1.Service
	hpa      *autoscalingv2.HorizontalPodAutoscaler
	hpaKnown bool
	// services are all the target's managed Services by name (alias ones too).
	services map[string]*corev1.Service
}

// listAutoscalers lists the target's managed HPAs by name; nil when they
// cannot be listed (then no autoscaler is checked this round).
func (c *driftChecker) listAutoscalers(ctx context.Context, t *kube.Target, opts metav1.ListOptions) map[string]*autoscalingv2.HorizontalPodAutoscaler {
	listCtx, cancel := context.WithTimeout(ctx, 2*kube.ProbeTimeout)
	defer cancel()
	list, err := t.Client.AutoscalingV2().HorizontalPodAutoscalers(t.Namespace).List(listCtx, opts)
	if err != nil {
		c.log.WarnContext(ctx, "drift check: list autoscalers", "target", t.Name, "err", err)
		return nil
	}
	out := make(map[string]*autoscalingv2.HorizontalPodAutoscaler, len(list.Items))
	for i := range list.Items {
		out[list.Items[i].Name] = &list.Items[i]
	}
	return out
}

// check compares one deployment's Deployment, and its Service and autoscaler
// as listed, with what Slipway applied.
func (c *driftChecker) check(ctx context.Context, t *kube.Target, dep *appsv1.Deployment, live listed) error {
	ref := events.DeploymentRef{Owner: dep.Labels[kube.LabelOwner], Project: dep.Labels[kube.LabelProject], Name: dep.Labels[kube.LabelDeployment]}
	if ref.Owner == "" || ref.Project == "" || ref.Name == "" {
		return nil
	}
	st, err := loadState(ctx, c.bus, ref)
	if err != nil {
		return err
	}
	if st.Terminated && st.TerminationDone && st.Target.Name == t.Name && st.Target.ObjectName == dep.Name {
		return c.removeLeftover(ctx, t, ref, dep.Name)
	}
	if !st.Exists || st.Terminated || st.Rollout == nil || !st.Rollout.Phase.Terminal() || st.Target.Name != t.Name {
		return nil
	}
	if c.reroute != nil && rollout.RoutingStale(st, t.Routing) {
		c.log.InfoContext(ctx, "routing rendered with another setting of the target; rendering again", "deployment", ref.String(), "target", t.Name)
		c.reroute(ctx, ref)
	}
	rev := st.Revisions[st.Current]
	objs := manifest.Render(ref, st.Target, rev, t.InstanceTypes, false)
	drift, err := cluster.DetectDrift(ctx, t.Client, objs)
	if err != nil {
		return err
	}
	id := fmt.Sprintf("%s/r%d/drift/g%d", ref, st.Current, dep.Generation)
	revert := func(ctx context.Context) error { return cluster.Apply(ctx, t.Client, objs) }
	if drift == nil {
		if drift, id, err = c.dependentDrift(ctx, t, ref, st.Current, objs, live); err != nil {
			return err
		}
	}
	if drift == nil {
		var want *coreac.ServiceApplyConfiguration
		if drift, want, err = aliasDrift(ctx, t, st, live.services); err != nil || drift == nil {
			return err
		}
		id = fmt.Sprintf("%s/r%d/drift/alias/%s/%s", ref, st.Current, *want.Name, resourceVersion(live.services[*want.Name]))
		revert = func(ctx context.Context) error { return cluster.ApplyService(ctx, t.Client, want) }
	}
	ev := events.DriftDetected{Revision: st.Current, Object: drift.Object, Fields: drift.Fields, Managers: drift.Managers,
		Deleted: drift.Deleted, Action: events.DriftReported}
	var adopted *events.Spec
	switch c.policy {
	case DriftPolicyRevert:
		if err := revert(ctx); err != nil {
			return fmt.Errorf("revert drift: %w", err)
		}
		ev.Action = events.DriftReverted
	case DriftPolicyAdopt:
		if drift.Live == nil {
			c.log.WarnContext(ctx, "drift of a Service or autoscaler is not adoptable; reported", "deployment", ref.String(), "object", drift.Object)
			break
		}
		spec, unadoptable := cluster.Adopt(rev.Spec, drift.Live, drift.Fields)
		if len(unadoptable) == 0 {
			ev.Action, adopted = events.DriftAdopted, &spec
		} else {
			c.log.WarnContext(ctx, "drift not adoptable; reported", "deployment", ref.String(), "fields", unadoptable)
		}
	}
	meta := events.Meta{Actor: "system:rollout-worker", TraceParent: telemetry.TraceParent(ctx)}
	c.log.WarnContext(ctx, "drift detected", "deployment", ref.String(), "fields", drift.Fields, "managers", drift.Managers, "action", ev.Action)
	return appendDecided(ctx, c.bus, &st, ref, meta, func(s rollout.State) []events.Message {
		return rollout.DecideDrift(s, ev, adopted, cluster.AdoptMessage(drift))
	}, func(events.Message) string { return id })
}

// dependentDrift checks the Service, then the autoscaler, of a deployment
// whose Deployment shows no drift; it returns the drift and its event id.
func (c *driftChecker) dependentDrift(ctx context.Context, t *kube.Target, ref events.DeploymentRef, revision int,
	objs manifest.Objects, live listed) (*cluster.Drift, string, error) {
	drift, err := cluster.DetectServiceDrift(ctx, t.Client, live.svc, objs.Service)
	if err != nil || drift != nil {
		return drift, fmt.Sprintf("%s/r%d/drift/svc/%s", ref, revision, resourceVersion(live.svc)), err
	}
	if !live.hpaKnown {
		return nil, "", nil
	}
	drift, err = cluster.DetectAutoscalerDrift(ctx, t.Client, live.hpa, objs.Autoscaler)
	return drift, fmt.Sprintf("%s/r%d/drift/hpa/%s", ref, revision, resourceVersion(live.hpa)), err
}

// resourceVersion of a listed object, "gone" for none: a drift event id
// that repeats while the object stays as it is.
func resourceVersion[T any, P interface {
	*T
	GetResourceVersion() string
}](o P) string {
	if o == nil {
		return "gone"
	}
	return o.GetResourceVersion()
}

// aliasDrift checks the Services of the deployment's settled aliases (not
// one moving now) against what Slipway applied: each selects its revision's
// pods. It returns the first drift and the Service that reverts it.
func aliasDrift(ctx context.Context, t *kube.Target, st rollout.State, services map[string]*corev1.Service) (*cluster.Drift, *coreac.ServiceApplyConfiguration, error) {
	names := make([]string, 0, len(st.Aliases))
	for name := range st.Aliases {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		a := st.Aliases[name]
		rev, ok := st.Revisions[a.Revision]
		if !ok || a.Pending != 0 {
			continue
		}
		want := manifest.RenderAliasService(st.Ref, st.Target, name, rev.PodTemplateRevision())
		drift, err := cluster.DetectServiceDrift(ctx, t.Client, services[*want.Name], want)
		if err != nil || drift != nil {
			return drift, want, err
		}
	}
	return nil, nil, nil
}
