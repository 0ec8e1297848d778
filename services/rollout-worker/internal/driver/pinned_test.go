package driver

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubefake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/history/historytest"
)

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
