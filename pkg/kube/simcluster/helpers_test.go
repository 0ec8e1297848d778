package simcluster

import (
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func newDeployment(replicas int32, strategy appsv1.DeploymentStrategy) *appsv1.Deployment {
	labels := map[string]string{"app": "web"}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "uid-web", Generation: 1},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Strategy: strategy,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "model", Image: "model:v1"}}},
			},
		},
	}
}

func rolling(surge, unavailable string) appsv1.DeploymentStrategy {
	s, u := intstr.Parse(surge), intstr.Parse(unavailable)
	return appsv1.DeploymentStrategy{
		Type:          appsv1.RollingUpdateDeploymentStrategyType,
		RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &s, MaxUnavailable: &u},
	}
}

// sim drives Step the way Cluster.Sync does, with pods named pod-1, pod-2,
// ... and a clock advancing one second per tick.
type sim struct {
	t       *testing.T
	d       *appsv1.Deployment
	pods    []Pod
	now     time.Time
	created int
}

func newSim(t *testing.T, d *appsv1.Deployment) *sim {
	return &sim{t: t, d: d, now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (s *sim) step() Result {
	s.now = s.now.Add(time.Second)
	r := Step(s.d, s.pods, 2, s.now)
	for i := range r.Pods {
		if r.Pods[i].Name == "" {
			s.created++
			r.Pods[i].Name = fmt.Sprintf("pod-%d", s.created)
		}
	}
	s.pods, s.d.Status = r.Pods, r.Status
	return r
}

// change applies mutate to the spec and bumps the generation as the
// apiserver would.
func (s *sim) change(mutate func(*appsv1.Deployment)) {
	mutate(s.d)
	s.d.Generation++
}

// converge steps until RolloutStatus reports done, calling check after every
// step, and fails the test after maxSteps.
func (s *sim) converge(maxSteps int, check func(Result)) {
	s.t.Helper()
	for range maxSteps {
		r := s.step()
		if check != nil {
			check(r)
		}
		_, done, err := RolloutStatus(s.d)
		if err != nil {
			s.t.Fatalf("rollout failed: %v", err)
		}
		if done {
			return
		}
	}
	msg, _, _ := RolloutStatus(s.d)
	s.t.Fatalf("rollout not done after %d steps: %s", maxSteps, msg)
}

func names(pods []Pod) map[string]bool {
	m := map[string]bool{}
	for _, p := range pods {
		m[p.Name] = true
	}
	return m
}

func setImage(image string) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = image }
}
