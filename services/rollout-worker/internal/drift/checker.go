// Package drift is the drift checker: it compares the objects Slipway
// manages on each target with what the deployments' histories say was
// applied, and reverts, reports or adopts what changed outside Slipway. It
// reads the histories, the targets' cached objects and the apiserver
// through the interfaces in sources.go.
package drift

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coreac "k8s.io/client-go/applyconfigurations/core/v1"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/telemetry"
	"slipway.dev/services/rollout-worker/internal/cluster"
	"slipway.dev/services/rollout-worker/internal/manifest"
	"slipway.dev/services/rollout-worker/internal/rollout"
)

// Policies: what the worker does when a managed object was changed outside
// Slipway. Each reports the drift as an event.
const (
	PolicyRevert = "revert"
	PolicyReport = "report"
	// PolicyAdopt takes the change into a new revision when every
	// changed field maps to the spec (replicas, image, env values, command,
	// args); otherwise the drift is reported, never half adopted.
	PolicyAdopt = "adopt"
)

// Checker periodically compares every settled deployment's Kubernetes
// Deployment, Service, autoscaler and alias Services with the revision
// Slipway applied. Deployments with a rollout in flight are skipped: the
// rollout owns them. Several workers may check the same deployment; the
// event id (revision and object generation) makes the report one event.
//
// A round costs what changed: the objects come from informer caches, and a
// deployment whose history (its event count) and cached objects (their
// resource versions) are as they were when it was last checked clean is not
// checked again: no history read, no dry run.
type Checker struct {
	history  History
	caches   Caches
	apply    Applier
	targets  *kube.Targets
	log      *slog.Logger
	interval time.Duration
	policy   string
	// reroute renders a deployment's routes again (the driver's).
	reroute func(context.Context, events.DeploymentRef)

	// Owned by run's goroutine: what each history expects on the clusters,
	// the deletions already reported (not reverted) by this worker, and the
	// deployments last checked clean.
	expected        map[string]expectation
	reportedDeleted map[events.DeploymentRef]string
	clean           map[checkKey]cleanCheck
}

// New returns a checker of the targets' objects against the histories in h.
func New(h History, targets *kube.Targets, log *slog.Logger, interval time.Duration, policy string,
	reroute func(context.Context, events.DeploymentRef)) *Checker {
	return &Checker{history: h, caches: newInformerCaches(), apply: kubeApplier{}, targets: targets,
		log: log, interval: interval, policy: policy, reroute: reroute}
}

// Run checks every interval until ctx ends.
func (c *Checker) Run(ctx context.Context) {
	t := time.NewTicker(c.interval)
	defer t.Stop()
	if ic, ok := c.caches.(*informerCaches); ok {
		defer ic.close()
	}
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
// (the bus unreachable) deleted objects are not looked for this round, and
// every deployment is checked.
func (c *Checker) round(ctx context.Context) {
	if c.reportedDeleted == nil {
		c.reportedDeleted = map[events.DeploymentRef]string{}
	}
	if c.clean == nil {
		c.clean = map[checkKey]cleanCheck{}
	}
	counts, err := c.refreshExpectations(ctx)
	if err != nil && ctx.Err() == nil {
		c.log.WarnContext(ctx, "drift check: read the histories", "err", err)
	}
	targets := c.targets.All()
	c.caches.Retain(targets)
	seen := make(map[checkKey]bool, len(c.clean))
	for _, target := range targets {
		c.checkTarget(ctx, target, counts, seen)
	}
	for key := range c.clean {
		if !seen[key] {
			delete(c.clean, key)
		}
	}
}

// checkTarget checks the deployments of t whose history or objects changed
// since their last clean check (all of them when counts is nil), then looks
// for deleted objects. Every deployment checked is added to seen.
func (c *Checker) checkTarget(ctx context.Context, t *kube.Target, counts map[string]uint64, seen map[checkKey]bool) {
	if t.Client == nil || t.ConnectErr != nil {
		return // a registered target whose kubeconfig could not be read
	}
	objs, ok := c.caches.Objects(ctx, t)
	if !ok {
		if ctx.Err() == nil {
			c.log.WarnContext(ctx, "drift check: the target's objects could not be listed yet", "target", t.Name)
		}
		return
	}
	for _, dep := range objs.Deployments() {
		ref := events.DeploymentRef{Owner: dep.Labels[kube.LabelOwner], Project: dep.Labels[kube.LabelProject], Name: dep.Labels[kube.LabelDeployment]}
		if ref.Owner == "" || ref.Project == "" || ref.Name == "" {
			continue
		}
		key := checkKey{target: t.Name, object: dep.Name}
		seen[key] = true
		count, counted := counts[events.DeploymentSubject(ref)]
		if prev, ok := c.clean[key]; ok && counted && prev.unchanged(t, count, objs) {
			continue
		}
		delete(c.clean, key)
		reads := &recordedReads{objs: objs}
		reads.deployment(dep)
		clean, err := c.check(ctx, t, reads, dep, ref)
		if err != nil && ctx.Err() == nil {
			c.log.WarnContext(ctx, "drift check", "target", t.Name, "deployment", dep.Name, "err", err)
		}
		if err == nil && clean && counted {
			c.clean[key] = cleanCheck{target: t, count: count, reads: reads.reads}
		}
	}
	if counts != nil {
		c.checkDeleted(ctx, t, objs)
	}
}

// check compares one deployment's Deployment, and its Service, autoscaler
// and alias Services as cached (read through objs, which records what was
// read), with what Slipway applied. It reports clean when it found nothing
// to do: no drift, no stale routing, no leftover.
func (c *Checker) check(ctx context.Context, t *kube.Target, objs *recordedReads, dep *appsv1.Deployment,
	ref events.DeploymentRef) (clean bool, err error) {
	st, err := c.history.Load(ctx, ref)
	if err != nil {
		return false, err
	}
	if st.Terminated && st.TerminationDone && st.Target.Name == t.Name && st.Target.ObjectName == dep.Name {
		return false, c.removeLeftover(ctx, t, ref, dep.Name)
	}
	if !st.Exists || st.Terminated || st.Rollout == nil || !st.Rollout.Phase.Terminal() || st.Target.Name != t.Name {
		return true, nil
	}
	clean = true
	if c.reroute != nil && rollout.RoutingStale(st, t.Routing) {
		c.log.InfoContext(ctx, "routing rendered with another setting of the target; rendering again", "deployment", ref.String(), "target", t.Name)
		c.reroute(ctx, ref)
		clean = false
	}
	rev := st.Revisions[st.Current]
	objects := manifest.Render(ref, st.Target, rev, t.InstanceTypes, false)
	drift, err := c.apply.DetectDrift(ctx, t, objects)
	if err != nil {
		return false, err
	}
	id := fmt.Sprintf("%s/r%d/drift/g%d", ref, st.Current, dep.Generation)
	revert := func(ctx context.Context) error { return c.apply.Apply(ctx, t, objects) }
	if drift == nil {
		if drift, id, err = c.dependentDrift(ctx, t, ref, st.Current, objects, objs); err != nil {
			return false, err
		}
	}
	if drift == nil {
		var want *coreac.ServiceApplyConfiguration
		if drift, want, err = c.aliasDrift(ctx, t, st, objs); err != nil || drift == nil {
			return clean && err == nil, err
		}
		id = fmt.Sprintf("%s/r%d/drift/alias/%s/%s", ref, st.Current, *want.Name, resourceVersion(objs.Service(*want.Name)))
		revert = func(ctx context.Context) error { return c.apply.ApplyService(ctx, t, want) }
	}
	return false, c.handleDrift(ctx, &st, ref, rev, drift, id, revert)
}

// handleDrift acts on drift by policy and appends its event.
func (c *Checker) handleDrift(ctx context.Context, st *rollout.State, ref events.DeploymentRef, rev events.Revision,
	drift *cluster.Drift, id string, revert func(context.Context) error) error {
	ev := events.DriftDetected{Revision: st.Current, Object: drift.Object, Fields: drift.Fields, Managers: drift.Managers,
		Deleted: drift.Deleted, Action: events.DriftReported}
	var adopted *events.Spec
	switch c.policy {
	case PolicyRevert:
		if err := revert(ctx); err != nil {
			return fmt.Errorf("revert drift: %w", err)
		}
		ev.Action = events.DriftReverted
	case PolicyAdopt:
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
	meta := events.ByService(events.ActorRolloutWorker, "", telemetry.TraceParent(ctx))
	c.log.WarnContext(ctx, "drift detected", "deployment", ref.String(), "fields", drift.Fields, "managers", drift.Managers, "action", ev.Action)
	return c.history.Append(ctx, st, ref, meta, func(s rollout.State) []events.Message {
		return rollout.DecideDrift(s, ev, adopted, cluster.AdoptMessage(drift))
	}, func(events.Message) string { return id })
}

// dependentDrift checks the Service, then the autoscaler, of a deployment
// whose Deployment shows no drift; it returns the drift and its event id.
func (c *Checker) dependentDrift(ctx context.Context, t *kube.Target, ref events.DeploymentRef, revision int,
	objs manifest.Objects, live *recordedReads) (*cluster.Drift, string, error) {
	svc := live.Service(*objs.Service.Name)
	drift, err := c.apply.DetectServiceDrift(ctx, t, svc, objs.Service)
	if err != nil || drift != nil {
		return drift, fmt.Sprintf("%s/r%d/drift/svc/%s", ref, revision, resourceVersion(svc)), err
	}
	if objs.Autoscaler == nil {
		return nil, "", nil
	}
	hpa, known := live.Autoscaler(*objs.Autoscaler.Name)
	if !known {
		return nil, "", nil
	}
	drift, err = c.apply.DetectAutoscalerDrift(ctx, t, hpa, objs.Autoscaler)
	return drift, fmt.Sprintf("%s/r%d/drift/hpa/%s", ref, revision, resourceVersion(hpa)), err
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
func (c *Checker) aliasDrift(ctx context.Context, t *kube.Target, st rollout.State, live *recordedReads) (*cluster.Drift, *coreac.ServiceApplyConfiguration, error) {
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
		drift, err := c.apply.DetectServiceDrift(ctx, t, live.Service(*want.Name), want)
		if err != nil || drift != nil {
			return drift, want, err
		}
	}
	return nil, nil, nil
}
