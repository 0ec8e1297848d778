package driver

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kubefake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/history/historytest"
	"slipway.dev/services/rollout-worker/internal/manifest"
)

// TestDrive runs the driver against a fake clientset and in-memory
// histories, and compares what it did (as sample-controller's tests do): the
// client's writes, the events it appended, the slots it took and gave back.
func TestDrive(t *testing.T) {
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	object := kube.ObjectName(ref.Owner, ref.Project, ref.Name)
	info := events.TargetInfo{Name: "sim", Namespace: "default", ObjectName: object}
	created := events.DeploymentCreated{Deployment: ref, Target: info, Revision: revision(1, "img:1")}
	applied := []string{"patch services " + object, "patch deployments " + object, "delete horizontalpodautoscalers " + object}
	holder := ref.String() + "#r1"

	tests := []struct {
		name    string
		history []events.Message
		// ready is how many of the applied Deployment's replicas (of 1) a
		// stand-in Deployment controller reports ready and available.
		ready int32
		// newer is appended by another writer once the driver recorded
		// that the rollout queues or progresses (a newer revision
		// superseding it); nil: the test stops the driver then.
		newer events.Message
		// busy: the target's slots are all held at first.
		busy          bool
		wantActions   []string
		wantAppended  []string
		wantSlots     []string
		wantCancelled bool
	}{
		{
			name:          "a new rollout applies its objects and records RolloutStarted",
			history:       []events.Message{created},
			wantActions:   applied,
			wantAppended:  []string{typeOf(events.RolloutStarted{}), typeOf(events.RolloutProgressed{})},
			wantSlots:     []string{"acquire " + holder},
			wantCancelled: true,
		},
		{
			name:         "a finished rollout records success and gives its slot back",
			history:      []events.Message{created},
			ready:        1,
			wantActions:  applied,
			wantAppended: []string{typeOf(events.RolloutStarted{}), typeOf(events.RolloutSucceeded{})},
			wantSlots:    []string{"acquire " + holder, "release " + holder},
		},
		{
			name:    "a rollout superseded by a newer revision takes no action",
			history: []events.Message{created, events.RevisionCreated{Revision: revision(2, "img:2"), Supersedes: 1}},
		},
		{
			name:    "a rollout of a terminated deployment takes no action",
			history: []events.Message{created, events.DeploymentTerminated{}},
		},
		{
			name:         "a rollout superseded while it waits for a slot takes no action",
			history:      []events.Message{created},
			busy:         true,
			newer:        events.RevisionCreated{Revision: revision(2, "img:2"), Supersedes: 1},
			wantAppended: []string{typeOf(events.RolloutQueued{})},
			wantSlots:    []string{"busy " + holder},
		},
		{
			name:         "a rollout superseded while it runs stops watching and records nothing more",
			history:      []events.Message{created},
			newer:        events.RevisionCreated{Revision: revision(2, "img:2"), Supersedes: 1},
			wantActions:  applied,
			wantAppended: []string{typeOf(events.RolloutStarted{}), typeOf(events.RolloutProgressed{})},
			wantSlots:    []string{"acquire " + holder, "release " + holder},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			client := kubefake.NewClientset()
			client.PrependReactor("get", "deployments", rolledOut(client, tt.ready))
			h := historytest.New()
			if err := h.Add(ref, "", tt.history...); err != nil {
				t.Fatal(err)
			}
			h.OnAppend = func(m events.Message) {
				switch m.(type) {
				case events.RolloutQueued, events.RolloutProgressed:
				default:
					return
				}
				if tt.newer == nil {
					cancel() // the driver is watching: enough seen
					return
				}
				if err := h.Add(ref, "", tt.newer); err != nil {
					t.Error(err)
				}
			}
			slots := &fakeSlots{busy: tt.busy}
			d := newTestDriver(t, client, h, slots)

			err := d.drive(ctx, ref, 1, events.Envelope{ID: "cause"})
			if tt.wantCancelled != (err != nil) {
				t.Fatalf("drive: %v (want an error only when stopped)", err)
			}
			if got := writes(client.Actions()); !slices.Equal(got, tt.wantActions) {
				t.Errorf("client actions:\n got %q\nwant %q", got, tt.wantActions)
			}
			if got := h.AppendedTypes(); !slices.Equal(got, tt.wantAppended) {
				t.Errorf("appended:\n got %q\nwant %q", got, tt.wantAppended)
			}
			if !slices.Equal(slots.calls, tt.wantSlots) {
				t.Errorf("slots:\n got %q\nwant %q", slots.calls, tt.wantSlots)
			}
		})
	}
}

// TestARolloutFindsPinnedDeploymentsWithoutAList: a rollout reads its
// deployment's pinned Deployments from the target's Deployment cache, not
// with a LIST of its own (which the API server answers by scanning every
// Deployment of the namespace), and still deletes one that nothing wants.
func TestARolloutFindsPinnedDeploymentsWithoutAList(t *testing.T) {
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	object := kube.ObjectName(ref.Owner, ref.Project, ref.Name)
	info := events.TargetInfo{Name: "sim", Namespace: "default", ObjectName: object}
	stale := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: kube.PinnedName(object, 7), Namespace: "default",
		Labels: map[string]string{kube.LabelManagedBy: kube.ManagedByValue, kube.LabelOwner: ref.Owner,
			kube.LabelProject: ref.Project, kube.LabelPinnedOf: ref.Name, kube.LabelRevision: "7"}}}
	client := kubefake.NewClientset(stale)
	client.PrependReactor("get", "deployments", rolledOut(client, 1))
	h := historytest.New()
	if err := h.Add(ref, "", events.DeploymentCreated{Deployment: ref, Target: info, Revision: revision(1, "img:1")}); err != nil {
		t.Fatal(err)
	}
	d := newTestDriver(t, client, h, &fakeSlots{})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()

	if err := d.drive(ctx, ref, 1, events.Envelope{ID: "cause"}); err != nil {
		t.Fatal(err)
	}
	for _, a := range client.Actions() {
		if l, ok := a.(k8stesting.ListAction); ok && strings.Contains(l.GetListRestrictions().Labels.String(), kube.LabelPinnedOf) {
			t.Errorf("the rollout listed its pinned Deployments: %v", l.GetListRestrictions().Labels)
		}
	}
	if got := writes(client.Actions()); !slices.Contains(got, "delete deployments "+stale.Name) {
		t.Errorf("client writes %q: want the unwanted pinned Deployment deleted", got)
	}
}

func revision(n int, image string) events.Revision {
	one := int32(1)
	return events.Revision{Number: n, Cause: events.CauseCreated, Spec: events.Spec{Image: image, Replicas: &one}.WithDefaults()}
}

func typeOf(m events.Message) string { return m.Type() }

func newTestDriver(t *testing.T, client *kubefake.Clientset, h History, slots *fakeSlots) *Driver {
	t.Helper()
	targets, err := kube.NewTargets(&kube.Target{TargetConfig: kube.TargetConfig{Name: "sim", Namespace: "default"}, Client: client})
	if err != nil {
		t.Fatal(err)
	}
	return New(Options{History: h, Targets: targets, Slots: slots, Log: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Resync: 20 * time.Millisecond, MaxRollouts: 1, TargetTimeout: time.Second})
}

// writes lists the client actions that change the cluster, as
// "verb resource name": reads (the target's probe, lists, gets, watches)
// are how the driver looks, not what it does.
func writes(actions []k8stesting.Action) []string {
	var out []string
	for _, a := range actions {
		switch a.GetVerb() {
		case "get", "list", "watch":
			continue
		}
		name := ""
		switch a := a.(type) {
		case k8stesting.PatchAction:
			name = a.GetName()
		case k8stesting.DeleteAction:
			name = a.GetName()
		case k8stesting.CreateAction:
			if o, ok := a.GetObject().(interface{ GetName() string }); ok {
				name = o.GetName()
			}
		}
		out = append(out, a.GetVerb()+" "+a.GetResource().Resource+" "+name)
	}
	return out
}

// rolledOut stands in for the Deployment controller and kubelet: a
// Deployment read back has observed its spec and runs its replicas of the
// new template, ready of them ready and available.
func rolledOut(client *kubefake.Clientset, ready int32) k8stesting.ReactionFunc {
	return func(action k8stesting.Action) (bool, runtime.Object, error) {
		get := action.(k8stesting.GetAction)
		obj, err := client.Tracker().Get(get.GetResource(), get.GetNamespace(), get.GetName())
		if err != nil {
			return true, nil, err
		}
		dep := obj.(*appsv1.Deployment).DeepCopy()
		n := *dep.Spec.Replicas
		dep.Status = appsv1.DeploymentStatus{ObservedGeneration: dep.Generation, Replicas: n, UpdatedReplicas: n,
			ReadyReplicas: ready, AvailableReplicas: ready}
		return true, dep, nil
	}
}

// fakeSlots grants every slot, or none the first time when busy, and
// records what was taken and given back.
type fakeSlots struct {
	mu    sync.Mutex
	calls []string
	busy  bool
}

func (s *fakeSlots) Acquire(_ context.Context, _ string, _ int, holder string) (Slot, error) {
	s.mu.Lock()
	busy := s.busy
	s.busy = false
	s.mu.Unlock()
	if busy {
		s.record("busy " + holder)
		return nil, nil
	}
	s.record("acquire " + holder)
	return fakeSlot{s: s, holder: holder}, nil
}

func (s *fakeSlots) record(call string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, call)
}

type fakeSlot struct {
	s      *fakeSlots
	holder string
}

func (fakeSlot) Renew(context.Context) error { return nil }
func (f fakeSlot) Release(context.Context) error {
	f.s.record("release " + f.holder)
	return nil
}

// TestRoutingFindsItsObjectsWithoutAList: reconciling a routed
// deployment's routes finds its routing objects from the route cache, not a
// label-selected LIST (a scan of the namespace's Services and Ingresses on
// the API server, per change: N² for a fleet), and still deletes the one no
// longer served.
func TestRoutingFindsItsObjectsWithoutAList(t *testing.T) {
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	object := kube.ObjectName(ref.Owner, ref.Project, ref.Name)
	info := events.TargetInfo{Name: "sim", Namespace: "default", BaseURL: "http://models.test", ObjectName: object}
	labels := manifest.RouteLabels(ref)
	labels[kube.LabelRevision] = "7"
	stale := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: kube.VersionServiceName(object, 7), Namespace: "default", Labels: labels}}
	client := kubefake.NewClientset(stale)
	h := historytest.New()
	if err := h.Add(ref, "", events.DeploymentCreated{Deployment: ref, Target: info, Revision: revision(1, "img:1")}); err != nil {
		t.Fatal(err)
	}
	routing := &events.Routing{Ingress: &events.IngressRouting{ClassName: "nginx"}}
	targets, err := kube.NewTargets(&kube.Target{TargetConfig: kube.TargetConfig{Name: "sim", Namespace: "default",
		BaseURL: info.BaseURL, Routing: routing}, Client: client})
	if err != nil {
		t.Fatal(err)
	}
	d := New(Options{History: h, Targets: targets, Slots: &fakeSlots{}, Log: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Resync: 20 * time.Millisecond, MaxRollouts: 1, TargetTimeout: time.Second})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()

	if err := d.reconcileRoutes(ctx, ref); err != nil {
		t.Fatal(err)
	}
	for _, a := range client.Actions() {
		if l, ok := a.(k8stesting.ListAction); ok && strings.Contains(l.GetListRestrictions().Labels.String(), kube.LabelRouteOf+"=") {
			t.Errorf("the reconcile listed %s by %v", l.GetResource().Resource, l.GetListRestrictions().Labels)
		}
	}
	got := writes(client.Actions())
	if !slices.Contains(got, "delete services "+stale.Name) || !slices.Contains(got, "patch ingresses "+object) {
		t.Errorf("client writes %q: want the Ingress applied and the unserved version's Service deleted", got)
	}
}
