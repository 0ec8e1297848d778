package monitor

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/pkg/kube"
)

// The informer transforms below keep only what health evaluation reads, so
// that a cached deployment costs a few hundred bytes rather than the full
// objects (managed fields, annotations, pod specs, addresses). Each builds a
// new object, leaving its input untouched, and is idempotent. Objects of
// other types pass through unchanged.

// slipwayLabels are the labels kept: what identifies a deployment (for a
// pinned Deployment's pods, the instance label) and its template revision.
var slipwayLabels = []string{kube.LabelOwner, kube.LabelProject, kube.LabelDeployment, kube.LabelInstance, kube.LabelRevision}

// slimDeployment keeps identity, Slipway's labels, replicas, the template's
// revision label and its containers' HTTP readiness paths, and the status
// with its Progressing condition.
func slimDeployment(obj any) (any, error) {
	d, ok := obj.(*appsv1.Deployment)
	if !ok {
		return obj, nil
	}
	out := &appsv1.Deployment{ObjectMeta: slimMeta(d.ObjectMeta, slipwayLabels...)}
	out.Generation = d.Generation
	out.Spec.Replicas = d.Spec.Replicas
	out.Spec.Template.Labels = keep(d.Spec.Template.Labels, kube.LabelRevision)
	for _, c := range d.Spec.Template.Spec.Containers {
		if p := c.ReadinessProbe; p != nil && p.HTTPGet != nil && p.HTTPGet.Path != "" {
			out.Spec.Template.Spec.Containers = append(out.Spec.Template.Spec.Containers, corev1.Container{Name: c.Name,
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: p.HTTPGet.Path}}}})
		}
	}
	out.Status = d.Status
	out.Status.Conditions = nil
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentProgressing {
			out.Status.Conditions = []appsv1.DeploymentCondition{{Type: c.Type, Status: c.Status, Reason: c.Reason}}
		}
	}
	return out, nil
}

// slimPod keeps identity, Slipway's labels, the deletion mark, the phase,
// the Ready and PodScheduled conditions, and per container its restart
// count and waiting reason.
func slimPod(obj any) (any, error) {
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil
	}
	out := &corev1.Pod{ObjectMeta: slimMeta(p.ObjectMeta, slipwayLabels...)}
	out.DeletionTimestamp = p.DeletionTimestamp
	out.Status.Phase = p.Status.Phase
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady || c.Type == corev1.PodScheduled {
			out.Status.Conditions = append(out.Status.Conditions, corev1.PodCondition{Type: c.Type, Status: c.Status})
		}
	}
	out.Status.InitContainerStatuses = slimContainers(p.Status.InitContainerStatuses)
	out.Status.ContainerStatuses = slimContainers(p.Status.ContainerStatuses)
	return out, nil
}

func slimContainers(in []corev1.ContainerStatus) []corev1.ContainerStatus {
	if len(in) == 0 {
		return nil
	}
	out := make([]corev1.ContainerStatus, len(in))
	for i, cs := range in {
		out[i] = corev1.ContainerStatus{Ready: cs.Ready, RestartCount: cs.RestartCount}
		if w := cs.State.Waiting; w != nil {
			out[i].State.Waiting = &corev1.ContainerStateWaiting{Reason: w.Reason}
		}
	}
	return out
}

// slimSlice keeps identity, the Service name label, the address type and
// each endpoint's ready condition.
func slimSlice(obj any) (any, error) {
	s, ok := obj.(*discoveryv1.EndpointSlice)
	if !ok {
		return obj, nil
	}
	out := &discoveryv1.EndpointSlice{ObjectMeta: slimMeta(s.ObjectMeta, discoveryv1.LabelServiceName), AddressType: s.AddressType}
	if len(s.Endpoints) > 0 {
		out.Endpoints = make([]discoveryv1.Endpoint, len(s.Endpoints))
		for i, ep := range s.Endpoints {
			out.Endpoints[i].Conditions.Ready = ep.Conditions.Ready
		}
	}
	return out, nil
}

func slimMeta(m metav1.ObjectMeta, labels ...string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: m.Name, Namespace: m.Namespace, UID: m.UID, ResourceVersion: m.ResourceVersion,
		Labels: keep(m.Labels, labels...)}
}

// keep returns the entries of l under keys; nil when there are none.
func keep(l map[string]string, keys ...string) map[string]string {
	var out map[string]string
	for _, k := range keys {
		if v, ok := l[k]; ok {
			if out == nil {
				out = make(map[string]string, len(keys))
			}
			out[k] = v
		}
	}
	return out
}
