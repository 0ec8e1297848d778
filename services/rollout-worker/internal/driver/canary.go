package driver

import (
	"context"
	"errors"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/analysis"
	"slipway.dev/services/rollout-worker/internal/cluster"
	"slipway.dev/services/rollout-worker/internal/manifest"
	"slipway.dev/services/rollout-worker/internal/rollout"
)

// canaryTick is how often a canary between steps reads its history (a
// promotion, a pause, an abort, a newer revision, a health report) and the
// clock.
const canaryTick = 250 * time.Millisecond

// applied is the traffic this driver put on the cluster for a canary step.
// A driver starts with none, so a worker that takes over a canary applies
// its step's traffic again before anything else (never assumes it is there).
// Steps that keep the traffic (pause, analysis) apply nothing more.
type applied struct {
	weight, mirror int32
	replicas       int32
}

func appliedOf(c *rollout.Canary) applied {
	return applied{weight: c.Weight, mirror: c.Mirror, replicas: c.CanaryReplicas}
}

// driveCanary runs revision's canary steps (rollout.DecideCanary decides,
// this acts): each step's traffic applied, analysis measured through the
// provider, each outcome appended. It returns true once the steps are done
// and the new revision takes all the traffic at full count (the caller then
// rolls the main Deployment to it), false when the canary ended otherwise:
// failed or aborted (its traffic is back on the stable revision and its
// Deployment deleted before this returns; the caller rolls back), or no
// longer ours (then it touches nothing: the newer revision's driver does).
func (d *Driver) driveCanary(ctx context.Context, st *rollout.State, ref events.DeploymentRef, revision int, target *kube.Target,
	appendFn func(func(rollout.State) []events.Message) error) (bool, error) {
	approximated := target.Routing.CanaryTraffic() == events.CanaryTrafficPods
	var done *applied
	t := time.NewTicker(canaryTick)
	defer t.Stop()
	for {
		if err := d.catchUp(ctx, st, ref); err != nil {
			return false, err
		}
		if !ours(*st, revision) {
			return false, nil
		}
		if r := st.Rollout; r != nil && r.Revision == revision && r.Phase == rollout.PhaseBaking {
			// Past its steps (a worker taking over a baking rollout): the
			// main Deployment runs the new revision; the caller bakes.
			return true, nil
		}
		if r := st.Rollout; r == nil || r.Revision != revision || r.Phase != rollout.PhaseProgressing {
			return false, d.endCanary(ctx, ref)
		}
		if c := st.Rollout.Canary; c != nil && (done == nil || *done != appliedOf(c)) {
			if err := d.applyCanaryStep(ctx, st, ref, revision, target, approximated, appendFn); err != nil {
				return false, err
			}
			if c := st.Rollout.Canary; c != nil && st.Rollout.Phase == rollout.PhaseProgressing {
				a := appliedOf(c)
				done = &a
				d.log.InfoContext(ctx, "canary traffic applied", "deployment", ref.String(), "revision", revision, "canary", c.String(),
					"canary_replicas", c.CanaryReplicas, "traffic", target.Routing.CanaryTraffic())
			}
			continue
		}
		next := rollout.DecideCanary(*st, revision, time.Now().UTC(), target.Routing)
		switch {
		case len(next.Events) > 0:
			if err := appendFn(func(s rollout.State) []events.Message {
				return rollout.DecideCanary(s, revision, time.Now().UTC(), target.Routing).Events
			}); err != nil {
				return false, err
			}
			continue
		case next.Complete:
			return true, nil
		case len(next.Measure) > 0:
			if err := d.measure(ctx, st, ref, revision, target, next.Measure, appendFn); err != nil {
				return false, err
			}
			continue
		}
		wait := t.C
		if !next.Until.IsZero() {
			if until := time.Until(next.Until); until < canaryTick {
				timer := time.NewTimer(max(until, 0))
				select {
				case <-ctx.Done():
					timer.Stop()
					return false, ctx.Err()
				case <-timer.C:
				}
				continue
			}
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-wait:
		}
	}
}

// applyCanaryStep puts the canary's current step on the cluster: the
// canary Deployment at the step's replicas, then the routes with its weight
// and mirror (rollout.CanarySplit). More replicas are available before the
// weight moves to them; fewer are removed only after the weight left them.
// A canary Deployment that passes its progress deadline fails the rollout,
// as do weights a Gateway API target refuses.
func (d *Driver) applyCanaryStep(ctx context.Context, st *rollout.State, ref events.DeploymentRef, revision int, target *kube.Target,
	approximated bool, appendFn func(func(rollout.State) []events.Message) error) error {
	c := st.Rollout.Canary
	rev := st.Revisions[revision]
	ns, name := st.Target.Namespace, manifest.CanaryName(st.Target.ObjectName)
	have := int32(0)
	switch cur, err := target.Client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{}); {
	case err == nil && cur.Spec.Replicas != nil && cur.Spec.Template.Labels[kube.LabelRevision] == fmt.Sprint(rev.PodTemplateRevision()):
		have = *cur.Spec.Replicas
	case err != nil && !apierrors.IsNotFound(err):
		return fmt.Errorf("read the canary deployment: %w", err)
	}
	canary := manifest.RenderCanary(ref, st.Target, rev, target.InstanceTypes, c.CanaryReplicas, approximated)
	if c.CanaryReplicas < have {
		if err := d.applyCanaryRoutes(ctx, st, ref, revision, approximated, appendFn); err != nil {
			return err
		}
		return cluster.ApplyDeployment(ctx, target.Client, canary)
	}
	if err := cluster.ApplyDeployment(ctx, target.Client, canary); err != nil {
		if permanent(err) {
			return appendFn(func(s rollout.State) []events.Message { return rollout.DecideApplyFailed(s, revision, err) })
		}
		return err
	}
	available, err := d.awaitCanary(ctx, st, ref, revision, target, name, appendFn)
	if err != nil || !available {
		return err
	}
	return d.applyCanaryRoutes(ctx, st, ref, revision, approximated, appendFn)
}

// applyCanaryRoutes renders the routes with the canary's split. Where the
// routes carry the weight (a Gateway API target's HTTPRoute, an
// ingress-nginx target's canary Ingress) they must be applied: when they
// could not be, the rollout fails rather than measure a canary that
// receives no requests.
func (d *Driver) applyCanaryRoutes(ctx context.Context, st *rollout.State, ref events.DeploymentRef, revision int, approximated bool,
	appendFn func(func(rollout.State) []events.Message) error) error {
	if err := d.reconcileRoutes(ctx, ref); err != nil {
		return err
	}
	if err := d.catchUp(ctx, st, ref); err != nil || approximated {
		return err
	}
	if r := st.Routing; r == nil || r.Reason != events.ReasonRoutesApplied {
		why := "no routes were recorded"
		if r != nil {
			why = r.Reason + ": " + r.Message
		}
		return appendFn(func(s rollout.State) []events.Message {
			return rollout.DecideApplyFailed(s, revision, fmt.Errorf("the canary's weights could not be applied to the routes (%s)", why))
		})
	}
	return nil
}

// awaitCanary waits until the canary Deployment is available (true), or
// the rollout ended meanwhile (false): it failed (its pods failing as the
// health monitor reports, or the Deployment past its progress deadline), was
// aborted, or is no longer ours.
func (d *Driver) awaitCanary(ctx context.Context, st *rollout.State, ref events.DeploymentRef, revision int, target *kube.Target,
	name string, appendFn func(func(rollout.State) []events.Message) error) (bool, error) {
	tmpl := st.Revisions[revision].PodTemplateRevision()
	available := false
	var stepErr error
	err := d.observed.watch(ctx, target, st.Target.Namespace, name, d.resync, func(dep *appsv1.Deployment) bool {
		if stepErr = d.catchUp(ctx, st, ref); stepErr != nil || !rolling(*st, revision) {
			return true
		}
		if dep == nil {
			return false
		}
		if obs, ok := cluster.Observe(dep, revision, tmpl, time.Now().UTC()); ok {
			if stepErr = appendFn(func(s rollout.State) []events.Message { return rollout.DecideCanaryStalled(s, obs) }); stepErr != nil || !rolling(*st, revision) {
				return true
			}
		}
		available = cluster.Available(dep)
		return available
	})
	return available, errors.Join(err, stepErr)
}

// measure takes the due measurements of the canary's analysis step, one per
// check, and appends each (rollout.DecideMeasured drops one the canary no
// longer wants: another step or attempt, a run that decided).
func (d *Driver) measure(ctx context.Context, st *rollout.State, ref events.DeploymentRef, revision int, target *kube.Target,
	checks []string, appendFn func(func(rollout.State) []events.Message) error) error {
	step, attempt := st.Rollout.Canary.Step, st.Rollout.Canary.Attempt
	return d.measureChecks(ctx, st, ref, revision, target, checks, "canary measured", appendFn,
		func(s rollout.State, name string, m analysis.Measurement) []events.Message {
			return rollout.DecideMeasured(s, revision, step, attempt, name, m)
		})
}

// measureChecks takes one measurement of each named check of the revision,
// queried with its variables on the target's Prometheus, logs it as what,
// and appends what decide makes of it against the history as it is then.
func (d *Driver) measureChecks(ctx context.Context, st *rollout.State, ref events.DeploymentRef, revision int, target *kube.Target,
	checks []string, what string, appendFn func(func(rollout.State) []events.Message) error,
	decide func(s rollout.State, check string, m analysis.Measurement) []events.Message) error {
	rev := st.Revisions[revision]
	vars := analysis.Vars{Namespace: st.Target.Namespace, Deployment: ref.Name,
		Revision: fmt.Sprint(rev.PodTemplateRevision()), StableRevision: fmt.Sprint(st.Revisions[st.Stable].PodTemplateRevision())}
	provider := d.provider(target)
	for _, name := range checks {
		spec, ok := rev.Spec.Rollout.CheckNamed(name)
		if !ok {
			continue
		}
		m := analysis.Take(ctx, provider, analysis.FromSpec(spec), vars, time.Now().UTC())
		if ctx.Err() != nil {
			return ctx.Err()
		}
		d.log.InfoContext(ctx, what, "deployment", ref.String(), "revision", revision, "check", name,
			"phase", m.Phase, "value", m.Value, "reason", m.Reason)
		if err := appendFn(func(s rollout.State) []events.Message { return decide(s, name, m) }); err != nil {
			return err
		}
	}
	return nil
}

// endCanary sends every request back to the stable revision and removes
// the canary Deployment, in that order: the routes first (rendered from the
// history, which has no split for an ended canary), so none leads to a pod
// being deleted. Idempotent; a no-op where no canary ran.
func (d *Driver) endCanary(ctx context.Context, ref events.DeploymentRef) error {
	st, err := d.history.Load(ctx, ref)
	if err != nil {
		return err
	}
	target, ok := d.targets.Get(st.Target.Name)
	if !ok || !st.Exists || !st.CanaryRan || rollout.CanarySplit(st) != nil {
		return nil // a canary of the current revision is in its steps: keep it
	}
	if err := d.reconcileRoutes(ctx, ref); err != nil {
		return err
	}
	return cluster.DeleteDeployment(ctx, target.Client, st.Target.Namespace, manifest.CanaryName(st.Target.ObjectName))
}

// provider is the analysis provider for a target's checks: its own
// Prometheus when it names one, else the worker's.
func (d *Driver) provider(target *kube.Target) analysis.Provider {
	if target.PrometheusURL != "" {
		return d.providers.get(target.PrometheusURL)
	}
	if d.analysis == nil {
		return noProvider{errNoPrometheus}
	}
	return d.analysis
}
