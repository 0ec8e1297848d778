package monitor

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"slipway.dev/pkg/kube"
)

// The caches hold stripped objects that still carry what health reads.
func TestCachesHoldSlimObjects(t *testing.T) {
	d := healthy(deployment(scorer, "3", 2, map[string]string{"dropped": "yes"}))
	d.Annotations = map[string]string{"dropped": "yes"}
	pods := readyPods(d, 1)
	target, _ := fakeTarget(append(pods, d, endpointSlice(d, true))...)
	m := startMonitor(t, Config{}, newRecorder(), target)
	c := m.caches[0]

	got, err := c.deployments.Deployments(testNamespace).Get(d.Name)
	if err != nil {
		t.Fatal(err)
	}
	if got.Annotations != nil || got.Spec.Template.Annotations != nil || got.Spec.Selector != nil ||
		got.Labels[kube.LabelManagedBy] != "" || got.Labels[kube.LabelOwner] != "acme" ||
		got.Spec.Template.Labels[kube.LabelRevision] != "3" || len(got.Spec.Template.Labels) != 1 ||
		*got.Spec.Replicas != 2 || got.Status.AvailableReplicas != 2 || len(got.Status.Conditions) != 1 ||
		readinessPath(got) != "/ready" || got.Spec.Template.Spec.Containers[0].Image != "" {
		t.Errorf("cached deployment %+v", got)
	}

	ps := c.podsOf(got)
	if len(ps) != 1 {
		t.Fatalf("pods of the deployment: %d", len(ps))
	}
	p := ps[0]
	if p.Annotations != nil || len(p.Spec.Containers) != 0 || p.Labels[kube.LabelRevision] != "3" ||
		len(p.Status.Conditions) != 2 || p.Status.Conditions[0].Type != corev1.PodReady || len(p.Status.ContainerStatuses) != 1 {
		t.Errorf("cached pod %+v", p)
	}

	ss := c.slicesOf(got)
	if len(ss) != 1 || len(ss[0].Endpoints) != 1 || ss[0].Endpoints[0].Addresses != nil || !*ss[0].Endpoints[0].Conditions.Ready {
		t.Errorf("cached slices %+v", ss)
	}

	// Idempotent, and other types pass through.
	again, _ := slimDeployment(got)
	if again.(*appsv1.Deployment).Spec.Template.Labels[kube.LabelRevision] != "3" || readinessPath(again.(*appsv1.Deployment)) != "/ready" {
		t.Errorf("transform of a transformed deployment: %+v", again)
	}
	if out, _ := slimPod("tombstone"); out != "tombstone" {
		t.Errorf("a non-pod became %v", out)
	}
}
