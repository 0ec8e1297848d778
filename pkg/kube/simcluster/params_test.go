package simcluster

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestResolveRollingParams(t *testing.T) {
	tests := []struct {
		name                   string
		replicas               int32
		strategy               appsv1.DeploymentStrategy
		wantSurge, wantUnavail int
	}{
		{"ints", 4, rolling("1", "0"), 1, 0},
		{"percent exact", 4, rolling("25%", "25%"), 1, 1},
		{"percent rounds surge up, unavailable down", 4, rolling("30%", "30%"), 2, 1},
		{"small percent", 4, rolling("10%", "10%"), 1, 0},
		{"half of odd", 3, rolling("50%", "50%"), 2, 1},
		{"both zero forces unavailable 1", 4, rolling("0", "0"), 0, 1},
		{"both zero percent forces unavailable 1", 4, rolling("0%", "0%"), 0, 1},
		{"unset defaults to 25%", 10, appsv1.DeploymentStrategy{}, 3, 2},
		{"unparsable counts as 0", 4, rolling("abc", "0"), 0, 1},
		{"recreate", 4, appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDeployment(tt.replicas, tt.strategy)
			surge, unavail := ResolveRollingParams(d)
			if surge != tt.wantSurge || unavail != tt.wantUnavail {
				t.Errorf("ResolveRollingParams = (%d, %d), want (%d, %d)", surge, unavail, tt.wantSurge, tt.wantUnavail)
			}
		})
	}
}

func TestTemplateHash(t *testing.T) {
	base := newDeployment(1, appsv1.DeploymentStrategy{}).Spec.Template
	tests := []struct {
		name   string
		mutate func(*corev1.PodTemplateSpec)
		same   bool
	}{
		{"identical", func(*corev1.PodTemplateSpec) {}, true},
		{"empty vs nil env", func(t *corev1.PodTemplateSpec) { t.Spec.Containers[0].Env = []corev1.EnvVar{} }, true},
		{"empty vs nil annotations", func(t *corev1.PodTemplateSpec) { t.Annotations = map[string]string{} }, true},
		{"new image", setTemplateImage("model:v2"), false},
		{"new annotation", func(t *corev1.PodTemplateSpec) { t.Annotations = map[string]string{AnnotationNeverReady: "true"} }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changed := *base.DeepCopy()
			tt.mutate(&changed)
			if got := TemplateHash(&base) == TemplateHash(&changed); got != tt.same {
				t.Errorf("hash equal = %v, want %v", got, tt.same)
			}
		})
	}
	a, b := base.DeepCopy(), base.DeepCopy()
	a.Spec.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1000m")}
	b.Spec.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}
	if TemplateHash(a) != TemplateHash(b) {
		t.Error("1000m and 1 CPU hash differently")
	}
}

func setTemplateImage(image string) func(*corev1.PodTemplateSpec) {
	return func(t *corev1.PodTemplateSpec) { t.Spec.Containers[0].Image = image }
}
