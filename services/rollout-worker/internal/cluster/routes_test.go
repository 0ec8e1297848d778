package cluster

import (
	"errors"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	dynfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/manifest"
	"slipway.dev/services/rollout-worker/internal/rollout"
)

var (
	rref    = events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	rtarget = events.TargetInfo{Name: "eu", Namespace: "models", BaseURL: "http://models.test", ObjectName: kube.ObjectName("acme", "fraud", "scorer")}
	gateway = &events.Routing{Gateway: &events.GatewayRouting{Name: "public"}}
	ingress = &events.Routing{Ingress: &events.IngressRouting{ClassName: "nginx"}}
)

// serving: revision 2 runs and is aliased production; revision 1 is kept
// warm and aliased staging when staging is true.
func serving(staging bool) rollout.Serving {
	r1 := events.Revision{Number: 1, Spec: events.Spec{Image: "i"}.WithDefaults()}
	r2 := events.Revision{Number: 2, Spec: events.Spec{Image: "i"}.WithDefaults()}
	s := rollout.Serving{Main: &r2, Aliases: map[string]events.Revision{"production": r2}, Versions: []events.Revision{r2}}
	if staging {
		s.Aliases["staging"] = r1
		s.Versions = append(s.Versions, r1)
	}
	return s
}

// clients are a fake clientset whose discovery serves HTTPRoutes when
// gatewayAPI, and a dynamic fake that knows HTTPRoute lists.
func clients(gatewayAPI bool) (*fake.Clientset, *dynfake.FakeDynamicClient) {
	client := fake.NewClientset()
	if gatewayAPI {
		client.Resources = []*metav1.APIResourceList{{GroupVersion: manifest.HTTPRouteGVR.GroupVersion().String(),
			APIResources: []metav1.APIResource{{Name: "httproutes", Namespaced: true, Kind: "HTTPRoute"}}}}
	}
	dyn := dynfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{manifest.HTTPRouteGVR: "HTTPRouteList"})
	// The dynamic fake's tracker applies only to existing objects: give
	// apply its create-or-replace meaning (enough for these tests).
	dyn.PrependReactor("patch", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		pa := a.(k8stesting.PatchAction)
		if pa.GetPatchType() != types.ApplyPatchType {
			return false, nil, nil
		}
		obj := &unstructured.Unstructured{}
		if err := obj.UnmarshalJSON(pa.GetPatch()); err != nil {
			return true, nil, err
		}
		tr := dyn.Tracker()
		if _, err := tr.Get(pa.GetResource(), pa.GetNamespace(), pa.GetName()); apierrors.IsNotFound(err) {
			return true, obj, tr.Create(pa.GetResource(), obj, pa.GetNamespace())
		}
		return true, obj, tr.Update(pa.GetResource(), obj, pa.GetNamespace())
	})
	return client, dyn
}

func names(t *testing.T, client kubernetes.Interface, dyn dynamic.Interface) (services, ingresses, routes []string) {
	t.Helper()
	ctx := t.Context()
	svcs, err := client.CoreV1().Services("models").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range svcs.Items {
		services = append(services, s.Name)
	}
	ings, err := client.NetworkingV1().Ingresses("models").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range ings.Items {
		ingresses = append(ingresses, i.Name)
	}
	list, err := dyn.Resource(manifest.HTTPRouteGVR).Namespace("models").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list.Items {
		routes = append(routes, r.GetName())
	}
	slices.Sort(services)
	return services, ingresses, routes
}

// readers are the two ways of finding a deployment's routing objects: a
// LIST of each kind, and the cache (synced, with an HTTPRoute informer).
var readers = []struct {
	name string
	open func(t *testing.T, client *fake.Clientset, dyn *dynfake.FakeDynamicClient) RouteReader
}{
	{"list", func(_ *testing.T, client *fake.Clientset, dyn *dynfake.FakeDynamicClient) RouteReader {
		return RouteLister{Client: client, Dynamic: dyn, Namespace: "models"}
	}},
	{"cache", func(t *testing.T, client *fake.Clientset, dyn *dynfake.FakeDynamicClient) RouteReader {
		return syncedRouteCache(t, client, dyn)
	}},
}

// syncedRouteCache starts a route cache in models with an HTTPRoute
// informer, stopped with the test, and waits for its first lists.
func syncedRouteCache(t *testing.T, client kubernetes.Interface, dyn dynamic.Interface) *RouteCache {
	t.Helper()
	c, err := NewRouteCache(client, dyn, "models", true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if !c.Sync(t.Context()) {
		t.Fatal("no first list")
	}
	return c
}

// heldRouteCache is a synced route cache without HTTPRoutes whose watch of
// Services never brings anything: what it holds is the first list.
func heldRouteCache(t *testing.T, client *fake.Clientset, dyn dynamic.Interface) *RouteCache {
	t.Helper()
	held := watch.NewFake()
	t.Cleanup(held.Stop)
	client.PrependWatchReactor("services", func(k8stesting.Action) (bool, watch.Interface, error) { return true, held, nil })
	c, err := NewRouteCache(client, dyn, "models", false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if !c.Sync(t.Context()) {
		t.Fatal("no first list")
	}
	return c
}

// lister finds routing objects in models with a LIST of each kind.
func lister(client kubernetes.Interface, dyn dynamic.Interface) RouteLister {
	return RouteLister{Client: client, Dynamic: dyn, Namespace: "models"}
}

// lists counts the LIST requests of both clients.
func lists(client *fake.Clientset, dyn *dynfake.FakeDynamicClient) int {
	n := 0
	for _, a := range append(client.Actions(), dyn.Actions()...) {
		if a.GetVerb() == "list" {
			n++
		}
	}
	return n
}

// TestReconcileRoutingFollowsWhatIsServed: routes and per-version Services
// are applied, then those no longer needed are deleted; switching the
// target to Ingress replaces the HTTPRoute; DeleteRouting removes all. The
// same with the objects found by a LIST and by the cache, which makes no
// request to find them: the watch, or this worker's own applies while the
// watch lags, tell it.
func TestReconcileRoutingFollowsWhatIsServed(t *testing.T) {
	for _, rd := range readers {
		t.Run(rd.name, func(t *testing.T) {
			ctx := t.Context()
			client, dyn := clients(true)
			have := rd.open(t, client, dyn)
			client.ClearActions()
			dyn.ClearActions()
			obj := rtarget.ObjectName
			steps := []struct {
				name                       string
				routing                    *events.Routing
				staging                    bool
				services, ingresses, route string
			}{
				{name: "gateway, two aliases", routing: gateway, staging: true,
					services: "v-" + obj + "-t1,v-" + obj + "-t2", route: obj},
				{name: "staging deleted", routing: gateway,
					services: "v-" + obj + "-t2", route: obj},
				{name: "switched to ingress", routing: ingress,
					services: "v-" + obj + "-t2", ingresses: obj},
				{name: "routing none", routing: nil},
			}
			for _, step := range steps {
				r := manifest.RenderRouting(rref, rtarget, step.routing, serving(step.staging))
				objects, err := ReconcileRouting(ctx, client, dyn, have, "models", rref, r)
				if err != nil {
					t.Fatalf("%s: %v", step.name, err)
				}
				svcs, ings, routes := names(t, client, dyn)
				if got := strings.Join(svcs, ","); got != step.services {
					t.Errorf("%s: services %q, want %q", step.name, got, step.services)
				}
				if got := strings.Join(ings, ","); got != step.ingresses {
					t.Errorf("%s: ingresses %q, want %q", step.name, got, step.ingresses)
				}
				if got := strings.Join(routes, ","); got != step.route {
					t.Errorf("%s: httproutes %q, want %q", step.name, got, step.route)
				}
				if want := len(svcs) + len(ings) + len(routes); len(objects) != want {
					t.Errorf("%s: reported %v, want %d objects", step.name, objects, want)
				}
			}

			if _, err := ReconcileRouting(ctx, client, dyn, have, "models", rref,
				manifest.RenderRouting(rref, rtarget, gateway, serving(true))); err != nil {
				t.Fatal(err)
			}
			deleted, err := DeleteRouting(ctx, client, dyn, have, "models", rref)
			if err != nil {
				t.Fatal(err)
			}
			if len(deleted) != 3 {
				t.Fatalf("deleted %v, want the HTTPRoute and two Services", deleted)
			}
			if svcs, ings, routes := names(t, client, dyn); len(svcs)+len(ings)+len(routes) != 0 {
				t.Fatalf("left %v %v %v", svcs, ings, routes)
			}
			// names made 3 LISTs per step, 5 calls: 15. The LIST reader
			// made 3 more per reconcile and delete, 6 calls: 18.
			want := map[string]int{"list": 33, "cache": 15}[rd.name]
			if n := lists(client, dyn); n != want {
				t.Errorf("%d LISTs, want %d", n, want)
			}
		})
	}
}

// TestReconcileRoutingWithoutGatewayAPI: a cluster without the Gateway API
// CRDs gets nothing written and a clear error; deleting tolerates it.
func TestReconcileRoutingWithoutGatewayAPI(t *testing.T) {
	ctx := t.Context()
	client, dyn := clients(false)
	_, err := ReconcileRouting(ctx, client, dyn, lister(client, dyn), "models", rref, manifest.RenderRouting(rref, rtarget, gateway, serving(false)))
	if !errors.Is(err, ErrGatewayAPIMissing) || !strings.Contains(err.Error(), "install the Gateway API CRDs") {
		t.Fatalf("err %v, want ErrGatewayAPIMissing", err)
	}
	if svcs, _, routes := names(t, client, dyn); len(svcs)+len(routes) != 0 {
		t.Fatalf("wrote %v %v", svcs, routes)
	}
	_, err = ReconcileRouting(ctx, client, nil, lister(client, nil), "models", rref, manifest.RenderRouting(rref, rtarget, gateway, serving(false)))
	if !errors.Is(err, ErrNoDynamicClient) {
		t.Fatalf("err %v, want ErrNoDynamicClient", err)
	}
	if _, err := DeleteRouting(ctx, client, nil, lister(client, nil), "models", rref); err != nil {
		t.Fatal(err)
	}
}

// TestReconcileRoutingLeavesOthersAlone: another deployment's routing
// objects in the same namespace are never deleted.
func TestReconcileRoutingLeavesOthersAlone(t *testing.T) {
	ctx := t.Context()
	client, dyn := clients(true)
	other := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "ranker"}
	otherTarget := rtarget
	otherTarget.ObjectName = kube.ObjectName("acme", "fraud", "ranker")
	if _, err := ReconcileRouting(ctx, client, dyn, lister(client, dyn), "models", other, manifest.RenderRouting(other, otherTarget, ingress, serving(false))); err != nil {
		t.Fatal(err)
	}
	if _, err := DeleteRouting(ctx, client, dyn, lister(client, dyn), "models", rref); err != nil {
		t.Fatal(err)
	}
	if svcs, ings, _ := names(t, client, dyn); len(svcs) != 1 || len(ings) != 1 {
		t.Fatalf("the other deployment's objects went: %v %v", svcs, ings)
	}
}

// TestRouteCacheCountsThisWorkersAppliesBeforeTheWatch: a routing object
// this worker applied is found, and deleted once no longer served, while
// the watch has not brought it; without that it would be left behind. Past
// expectFor the cache alone decides.
func TestRouteCacheCountsThisWorkersAppliesBeforeTheWatch(t *testing.T) {
	ctx := t.Context()
	client, dyn := clients(false)
	c := heldRouteCache(t, client, dyn)
	obj := rtarget.ObjectName
	if _, err := ReconcileRouting(ctx, client, dyn, c, "models", rref, manifest.RenderRouting(rref, rtarget, ingress, serving(true))); err != nil {
		t.Fatal(err)
	}
	if _, err := ReconcileRouting(ctx, client, dyn, c, "models", rref, manifest.RenderRouting(rref, rtarget, ingress, serving(false))); err != nil {
		t.Fatal(err)
	}
	if svcs, _, _ := names(t, client, dyn); strings.Join(svcs, ",") != "v-"+obj+"-t2" {
		t.Fatalf("services %v, want the staging version's deleted although the watch never showed it", svcs)
	}

	c.mu.Lock()
	c.expectFor = 0
	c.mu.Unlock()
	got, err := c.Routing(ctx, rref)
	if err != nil {
		t.Fatal(err)
	}
	if len(got[RouteService]) != 0 {
		t.Errorf("services %v past expectFor, want what the (held) watch shows: none", got[RouteService])
	}
}

// TestIndexRouteOf: routing objects are keyed by the deployment they route,
// whatever their type; other objects are not indexed.
func TestIndexRouteOf(t *testing.T) {
	labelled := manifest.RouteLabels(rref)
	route := &unstructured.Unstructured{}
	route.SetLabels(labelled)
	for _, tc := range []struct {
		name string
		obj  any
		want []string
	}{
		{"service", &corev1.Service{ObjectMeta: metav1.ObjectMeta{Labels: labelled}}, []string{rref.String()}},
		{"httproute", route, []string{rref.String()}},
		{"alias service", &corev1.Service{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{kube.LabelManagedBy: kube.ManagedByValue}}}, nil},
		{"not an object", "x", nil},
	} {
		got, err := indexRouteOf(tc.obj)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}

// TestRecordedRoutesAreFound: an object another worker applied and recorded
// (RoutingChanged.Objects), which this worker's cache does not show yet,
// is deleted once no longer served: the history is read consistently, the
// cache only eventually.
func TestRecordedRoutesAreFound(t *testing.T) {
	ctx := t.Context()
	client, dyn := clients(false)
	c := heldRouteCache(t, client, dyn)
	other := RouteLister{Client: client, Namespace: "models"} // another worker: writes this cache never hears of
	recordedObjects, err := ReconcileRouting(ctx, client, dyn, other, "models", rref, manifest.RenderRouting(rref, rtarget, ingress, serving(true)))
	if err != nil {
		t.Fatal(err)
	}
	have := WithRecorded(c, "models", recordedObjects)
	if _, err := ReconcileRouting(ctx, client, dyn, have, "models", rref, manifest.RenderRouting(rref, rtarget, ingress, serving(false))); err != nil {
		t.Fatal(err)
	}
	if svcs, _, _ := names(t, client, dyn); strings.Join(svcs, ",") != "v-"+rtarget.ObjectName+"-t2" {
		t.Fatalf("services %v, want the staging version's deleted although only the record showed it", svcs)
	}
}

// TestAnApplyAfterADeleteCounts: a routing object deleted, then applied
// again while the cache still holds its old copy, is found until the watch
// brings the rest; without its own expectation it would vanish with the
// delete's event and be left behind.
func TestAnApplyAfterADeleteCounts(t *testing.T) {
	ctx := t.Context()
	client, dyn := clients(false)
	c := syncedRouteCache(t, client, dyn)
	if _, err := ReconcileRouting(ctx, client, dyn, c, "models", rref, manifest.RenderRouting(rref, rtarget, ingress, serving(true))); err != nil {
		t.Fatal(err)
	}
	v1 := "v-" + rtarget.ObjectName + "-t1"
	c.Deleted(RouteService, v1)
	c.Applied(rref, RouteService, v1)
	// The cache drops its copy (the delete's event) before the apply's.
	if err := c.informers[RouteService].GetIndexer().Delete(&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: v1, Namespace: "models"}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Routing(ctx, rref)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(got[RouteService], v1) {
		t.Errorf("services %v, want %s: applied again after its delete", got[RouteService], v1)
	}
}

func TestParseRecorded(t *testing.T) {
	got := parseRecorded("models", []string{"v1 Service models/v-a-t1", "networking.k8s.io/v1 Ingress models/a",
		"gateway.networking.k8s.io/v1 HTTPRoute models/a", "v1 Service other/v-a-t2", "apps/v1 Deployment models/a", "v1 Service models/"})
	want := RouteObjects{RouteService: {"v-a-t1"}, RouteIngress: {"a"}, RouteHTTPRoute: {"a"}}
	if len(got) != len(want) {
		t.Fatalf("%v, want %v", got, want)
	}
	for k, names := range want {
		if !slices.Equal(got[k], names) {
			t.Errorf("kind %d: %v, want %v", k, got[k], names)
		}
	}
}
