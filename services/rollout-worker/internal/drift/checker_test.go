package drift

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	autoscalingac "k8s.io/client-go/applyconfigurations/autoscaling/v2"
	coreac "k8s.io/client-go/applyconfigurations/core/v1"
	kubefake "k8s.io/client-go/kubernetes/fake"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/cluster"
	"slipway.dev/services/rollout-worker/internal/manifest"
	"slipway.dev/services/rollout-worker/internal/rollout"
)

// TestDriftRoundCostsWhatChanged counts what rounds of the drift check cost
// with 1,000 settled deployments: the first checks each once; a round with
// nothing changed reads no history and sends no dry run; an edited object,
// a grown history or a replaced target costs exactly one check.
func TestDriftRoundCostsWhatChanged(t *testing.T) {
	const n = 1000
	f := newDriftFixture(t, n)
	c := f.checker(PolicyRevert)

	c.round(t.Context())
	f.expect(t, "first round", 2*n, n) // expectations, then each check
	c.round(t.Context())
	f.expect(t, "nothing changed", 0, 0)

	f.objs.deps["d7"].ResourceVersion = "2" // kubectl edit, say
	c.round(t.Context())
	f.expect(t, "one Deployment edited", 1, 1)

	f.objs.svcs["d8"].ResourceVersion = "2"
	c.round(t.Context())
	f.expect(t, "one Service edited", 1, 1)

	f.history.grow(f.ref(9)) // an event appended, e.g. health
	c.round(t.Context())
	f.expect(t, "one history grew", 2, 1) // its expectation, then its check

	c.round(t.Context())
	f.expect(t, "settled again", 0, 0)

	replaced := *f.target
	f.targets.Remove("sim") // a configured target cannot be replaced; a test can
	f.target = &replaced
	if err := f.targets.Put(f.target); err != nil {
		t.Fatal(err)
	}
	f.caches.objs = map[*kube.Target]*fakeObjects{f.target: f.objs}
	c.round(t.Context())
	f.expect(t, "target replaced", n, n)
}

// TestDriftRoundRechecksUntilClean: a deployment with drift is checked
// again every round while its drift is reported (report policy), and a
// deleted Deployment is noticed from the caches and recreated by revert.
func TestDriftRoundRechecksUntilClean(t *testing.T) {
	f := newDriftFixture(t, 3)
	f.apply.drift["d1"] = &cluster.Drift{Object: "apps/v1 Deployment default/d1", Fields: []string{".spec.replicas"}, Managers: []string{"kubectl"}}
	c := f.checker(PolicyReport)
	c.round(t.Context())
	c.round(t.Context())
	f.expect(t, "drift reported twice", 3+3+1, 3+1)
	if len(f.history.appended) != 2 {
		t.Fatalf("appended %d drift events, want 2 (one per round; the event id dedupes them)", len(f.history.appended))
	}

	f = newDriftFixture(t, 3)
	c = f.checker(PolicyRevert)
	c.round(t.Context())
	f.expect(t, "first round", 6, 3)
	delete(f.objs.deps, "d2")
	c.round(t.Context())
	f.expect(t, "Deployment deleted", 1, 0)
	if f.apply.applied != 1 || len(f.history.appended) != 1 {
		t.Fatalf("applied %d, appended %d; want the deleted Deployment recreated and reported once", f.apply.applied, len(f.history.appended))
	}
}

type driftFixture struct {
	n       int
	target  *kube.Target
	targets *kube.Targets
	history *fakeHistory
	objs    *fakeObjects
	caches  *fakeCaches
	apply   *fakeApplier
}

func newDriftFixture(t *testing.T, n int) *driftFixture {
	t.Helper()
	// The client is never called: the checker reaches the cluster through its sources.
	target := &kube.Target{TargetConfig: kube.TargetConfig{Name: "sim", Namespace: "default"}, Registered: true,
		Client: kubefake.NewClientset()}
	targets, err := kube.NewTargets(target)
	if err != nil {
		t.Fatal(err)
	}
	f := &driftFixture{n: n, target: target, targets: targets, history: &fakeHistory{states: map[events.DeploymentRef]rollout.State{},
		counts: map[string]uint64{}}, objs: &fakeObjects{deps: map[string]*appsv1.Deployment{}, svcs: map[string]*corev1.Service{}},
		apply: &fakeApplier{drift: map[string]*cluster.Drift{}}}
	f.caches = &fakeCaches{objs: map[*kube.Target]*fakeObjects{target: f.objs}}
	one := int32(1)
	for i := range n {
		ref := f.ref(i)
		name := "d" + strconv.Itoa(i)
		info := events.TargetInfo{Name: "sim", Namespace: "default", ObjectName: name}
		rev := events.Revision{Number: 1, Spec: events.Spec{Image: "img:1", Replicas: &one}.WithDefaults()}
		f.history.states[ref] = rollout.State{Exists: true, Ref: ref, Target: info, Revisions: map[int]events.Revision{1: rev},
			Current: 1, Stable: 1, Rollout: &rollout.Rollout{Revision: 1, Phase: rollout.PhaseSucceeded}, LastSeq: 3}
		f.history.counts[events.DeploymentSubject(ref)] = 3
		labels := map[string]string{kube.LabelOwner: ref.Owner, kube.LabelProject: ref.Project, kube.LabelDeployment: ref.Name}
		f.objs.deps[name] = &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", ResourceVersion: "1", Labels: labels}}
		f.objs.svcs[name] = &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", ResourceVersion: "1"}}
	}
	return f
}

func (f *driftFixture) ref(i int) events.DeploymentRef {
	return events.DeploymentRef{Owner: "acme", Project: "fleet", Name: "d" + strconv.Itoa(i)}
}

func (f *driftFixture) checker(policy string) *Checker {
	return &Checker{history: f.history, caches: f.caches, apply: f.apply, targets: f.targets, policy: policy,
		log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
}

// expect checks the history reads and dry runs since the last call.
func (f *driftFixture) expect(t *testing.T, step string, loads, dryRuns int) {
	t.Helper()
	if f.history.loads != loads || f.apply.dryRuns != dryRuns {
		t.Errorf("%s: %d history reads and %d dry runs, want %d and %d", step, f.history.loads, f.apply.dryRuns, loads, dryRuns)
	}
	f.history.loads, f.apply.dryRuns = 0, 0
}

type fakeHistory struct {
	states   map[events.DeploymentRef]rollout.State
	counts   map[string]uint64
	loads    int
	appended []events.Message
}

func (h *fakeHistory) grow(ref events.DeploymentRef) { h.counts[events.DeploymentSubject(ref)]++ }

func (h *fakeHistory) Counts(context.Context) (map[string]uint64, error) {
	out := make(map[string]uint64, len(h.counts))
	for k, v := range h.counts {
		out[k] = v
	}
	return out, nil
}

func (h *fakeHistory) Load(_ context.Context, ref events.DeploymentRef) (rollout.State, error) {
	h.loads++
	st, ok := h.states[ref]
	if !ok {
		return rollout.State{}, fmt.Errorf("no history of %s", ref)
	}
	return st, nil
}

func (h *fakeHistory) Append(_ context.Context, st *rollout.State, _ events.DeploymentRef, _ events.Meta,
	decide func(rollout.State) []events.Message, _ func(events.Message) string) error {
	h.appended = append(h.appended, decide(*st)...)
	return nil
}

type fakeObjects struct {
	deps map[string]*appsv1.Deployment
	svcs map[string]*corev1.Service
}

func (o *fakeObjects) Deployments() []*appsv1.Deployment {
	out := make([]*appsv1.Deployment, 0, len(o.deps))
	for _, d := range o.deps {
		out = append(out, d)
	}
	return out
}

func (o *fakeObjects) Deployment(name string) *appsv1.Deployment { return o.deps[name] }
func (o *fakeObjects) Service(name string) *corev1.Service       { return o.svcs[name] }
func (o *fakeObjects) Autoscaler(string) (*autoscalingv2.HorizontalPodAutoscaler, bool) {
	return nil, true
}

type fakeCaches struct{ objs map[*kube.Target]*fakeObjects }

func (c *fakeCaches) Objects(_ context.Context, t *kube.Target) (Objects, bool) {
	o, ok := c.objs[t]
	return o, ok
}

func (c *fakeCaches) Retain([]*kube.Target) {}

// fakeApplier counts dry runs (a Deployment's always; a Service's or an
// autoscaler's only when the cached one differs, as the real checks do) and
// answers drift for the object names in drift.
type fakeApplier struct {
	drift   map[string]*cluster.Drift
	dryRuns int
	applied int
}

func (a *fakeApplier) DetectDrift(_ context.Context, _ *kube.Target, objs manifest.Objects) (*cluster.Drift, error) {
	a.dryRuns++
	return a.drift[*objs.Deployment.Name], nil
}

func (a *fakeApplier) DetectServiceDrift(context.Context, *kube.Target, *corev1.Service, *coreac.ServiceApplyConfiguration) (*cluster.Drift, error) {
	return nil, nil
}

func (a *fakeApplier) DetectAutoscalerDrift(context.Context, *kube.Target, *autoscalingv2.HorizontalPodAutoscaler,
	*autoscalingac.HorizontalPodAutoscalerApplyConfiguration) (*cluster.Drift, error) {
	return nil, nil
}

func (a *fakeApplier) Apply(context.Context, *kube.Target, manifest.Objects) error {
	a.applied++
	return nil
}

func (a *fakeApplier) ApplyService(context.Context, *kube.Target, *coreac.ServiceApplyConfiguration) error {
	a.applied++
	return nil
}

func (a *fakeApplier) Gone(context.Context, *kube.Target, string, string, string) (bool, error) {
	return true, nil
}

func (a *fakeApplier) RemoveLeftover(context.Context, *kube.Target, string) error { return nil }
