package driver

import (
	"context"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kubefake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/history/historytest"
)

// TestATerminateOvertakingAnApplyLeavesNothing: the deployment is
// terminated (and its objects deleted, by whichever worker handled it)
// while this driver applies a rollout's objects. The driver reads the
// history after its apply, finds the termination and removes what it
// applied: nothing of a terminated deployment is left on the cluster (issue
// 21's fault suite saw a Deployment recreated after its termination).
func TestATerminateOvertakingAnApplyLeavesNothing(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	object := kube.ObjectName(ref.Owner, ref.Project, ref.Name)
	info := events.TargetInfo{Name: "sim", Namespace: "default", ObjectName: object}
	client := kubefake.NewClientset()
	h := historytest.New()
	if err := h.Add(ref, "", events.DeploymentCreated{Deployment: ref, Target: info, Revision: revision(1, "img:1")}); err != nil {
		t.Fatal(err)
	}
	terminated := false
	client.PrependReactor("patch", "deployments", func(k8stesting.Action) (bool, runtime.Object, error) {
		if !terminated { // the termination lands while the Deployment is applied
			terminated = true
			if err := h.Add(ref, "", events.DeploymentTerminated{Revision: 1}); err != nil {
				t.Error(err)
			}
		}
		return false, nil, nil
	})
	d := newTestDriver(t, client, h, &fakeSlots{})
	if err := d.drive(ctx, ref, 1, events.Envelope{ID: "cause"}); err != nil {
		t.Fatalf("drive: %v", err)
	}
	got := writes(client.Actions())
	for _, want := range []string{"patch deployments " + object, "delete deployments " + object, "delete services " + object} {
		if !slices.Contains(got, want) {
			t.Errorf("client actions %q lack %q", got, want)
		}
	}
	if _, err := client.AppsV1().Deployments("default").Get(ctx, object, metav1.GetOptions{}); err == nil {
		t.Error("the terminated deployment's Deployment is on the cluster after its rollout's apply")
	}
	if appended := h.AppendedTypes(); slices.Contains(appended, typeOf(events.RolloutProgressed{})) {
		t.Errorf("appended %q: a terminated deployment's rollout recorded progress", appended)
	}
}
