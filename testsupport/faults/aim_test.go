package faults

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
)

// clusterOnly is a system of which only the cluster is read.
type clusterOnly struct {
	system
	cs kubernetes.Interface
}

func (c clusterOnly) cluster() (kubernetes.Interface, string) { return c.cs, "faults" }

func deployment(name string, generation, observed int64) *appsv1.Deployment {
	return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "faults", Generation: generation},
		Status: appsv1.DeploymentStatus{ObservedGeneration: observed}}
}

// TestTheOutageIsAimedAtARollout: the kube-apiserver is stopped once a
// Deployment is rolling out; with none by the limit it goes ahead and says
// so.
func TestTheOutageIsAimedAtARollout(t *testing.T) {
	tests := []struct {
		name string
		objs []*appsv1.Deployment
		want string
	}{
		{name: "one rolling out among settled ones", objs: []*appsv1.Deployment{deployment("a", 2, 1), deployment("b", 1, 1)},
			want: " (1 of 2 Deployments rolling out)"},
		{name: "none by the limit", objs: []*appsv1.Deployment{deployment("b", 1, 1)}, want: " (0 of 1 Deployments rolling out)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := fake.NewClientset()
			for _, d := range tt.objs {
				if _, err := cs.AppsV1().Deployments("faults").Create(t.Context(), d, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			if got := awaitRolloutUnderWay(t.Context(), clusterOnly{cs: cs}, 0); got != tt.want {
				t.Errorf("awaitRolloutUnderWay = %q, want %q", got, tt.want)
			}
		})
	}
}
