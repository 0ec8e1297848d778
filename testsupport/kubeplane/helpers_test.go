package kubeplane_test

import (
	"context"
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"

	"slipway.dev/testsupport/kubeplane"
)

// deployment returns a RollingUpdate Deployment (maxSurge 1, maxUnavailable
// 0) of replicas pods labelled app=name, placed on the KWOK node.
func deployment(name string, replicas int32, image string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: new(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Strategy: appsv1.DeploymentStrategy{
				Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{
					MaxSurge:       new(intstr.FromInt32(1)),
					MaxUnavailable: new(intstr.FromInt32(0)),
				},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers:   []corev1.Container{{Name: "server", Image: image}},
					Tolerations:  []corev1.Toleration{kubeplane.Toleration()},
					NodeSelector: kubeplane.NodeSelector(),
				},
			},
		},
	}
}

// patchTemplate applies a strategic-merge patch to the Deployment's pod
// template: a new image and, when non-empty, extra annotations. A patch
// cannot conflict with the controller's status writes.
func patchTemplate(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns, name, image string, annotations map[string]string) {
	t.Helper()
	meta := ""
	for k, v := range annotations {
		if meta != "" {
			meta += ","
		}
		meta += fmt.Sprintf("%q:%q", k, v)
	}
	patch := fmt.Sprintf(`{"spec":{"template":{"metadata":{"annotations":{%s}},"spec":{"containers":[{"name":"server","image":%q}]}}}}`, meta, image)
	if _, err := cs.AppsV1().Deployments(ns).Patch(ctx, name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatalf("patch deployment %s: %v", name, err)
	}
}
