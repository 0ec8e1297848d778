package cluster

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"slipway.dev/pkg/events"
)

func TestAdoptMapsDriftedFieldsBackToTheSpec(t *testing.T) {
	n := int32(5)
	live := &appsv1.Deployment{}
	live.Spec.Replicas = &n
	live.Spec.Template.Spec.Containers = []corev1.Container{{Name: "model", Image: "img:hotfix",
		Env: []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "debug"}, {Name: "DB_PASSWORD", ValueFrom: &corev1.EnvVarSource{}}}}}
	two := int32(2)
	spec := events.Spec{Image: "img:1", Replicas: &two, Env: map[string]string{"LOG_LEVEL": "info"}}
	tests := []struct {
		name        string
		fields      []string
		image       string
		replicas    int32
		logLevel    string
		unadoptable int
	}{
		{"image", []string{`.spec.template.spec.containers[name="model"].image`}, "img:hotfix", 2, "info", 0},
		{"replicas", []string{".spec.replicas"}, "img:1", 5, "info", 0},
		{"env value", []string{`.spec.template.spec.containers[name="model"].env[name="LOG_LEVEL"].value`}, "img:1", 2, "debug", 0},
		{"secret-backed env", []string{`.spec.template.spec.containers[name="model"].env[name="DB_PASSWORD"].value`}, "img:1", 2, "info", 1},
		{"resources", []string{`.spec.template.spec.containers[name="model"].resources.limits.cpu`}, "img:1", 2, "info", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, bad := Adopt(spec, live, tt.fields)
			if got.Image != tt.image || *got.Replicas != tt.replicas || got.Env["LOG_LEVEL"] != tt.logLevel || len(bad) != tt.unadoptable {
				t.Fatalf("got %+v (env %v), unadoptable %v", got, got.Env, bad)
			}
		})
	}
	if spec.Env["LOG_LEVEL"] != "info" {
		t.Fatal("Adopt must not change the spec it was given")
	}
}
