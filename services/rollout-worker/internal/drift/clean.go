package drift

import (
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"

	"slipway.dev/pkg/kube"
)

// checkKey names a checked Deployment: its target and object name.
type checkKey struct{ target, object string }

// cleanCheck is what a clean drift check of a deployment depended on: the
// target (a replaced registration is another pointer), the history's event
// count, and every cached object it read with its resource version. While
// all are the same, checking again would find the same: nothing.
type cleanCheck struct {
	target *kube.Target
	count  uint64
	reads  []objectRead
}

// unchanged reports whether a check against t, count events and objs would
// read what the clean check read.
func (c cleanCheck) unchanged(t *kube.Target, count uint64, objs Objects) bool {
	if c.target != t || c.count != count {
		return false
	}
	for _, r := range c.reads {
		if r.current(objs) != r.version {
			return false
		}
	}
	return true
}

// Kinds of cached objects a check reads.
const (
	readDeployment = iota
	readService
	readAutoscaler
)

// objectRead is one cached object a check read, and its resource version
// then ("gone" for none, "unknown" for an autoscaler that could not be listed).
type objectRead struct {
	kind    int
	name    string
	version string
}

func (r objectRead) current(objs Objects) string {
	switch r.kind {
	case readDeployment:
		return resourceVersion(objs.Deployment(r.name))
	case readService:
		return resourceVersion(objs.Service(r.name))
	}
	hpa, known := objs.Autoscaler(r.name)
	return autoscalerVersion(hpa, known)
}

func autoscalerVersion(hpa *autoscalingv2.HorizontalPodAutoscaler, known bool) string {
	if !known {
		return "unknown"
	}
	return resourceVersion(hpa)
}

// recordedReads reads a target's cached objects and records each read.
type recordedReads struct {
	objs  Objects
	reads []objectRead
}

// deployment records the Deployment being checked as read.
func (r *recordedReads) deployment(d *appsv1.Deployment) {
	r.reads = append(r.reads, objectRead{kind: readDeployment, name: d.Name, version: d.ResourceVersion})
}

func (r *recordedReads) Service(name string) *corev1.Service {
	svc := r.objs.Service(name)
	r.reads = append(r.reads, objectRead{kind: readService, name: name, version: resourceVersion(svc)})
	return svc
}

func (r *recordedReads) Autoscaler(name string) (*autoscalingv2.HorizontalPodAutoscaler, bool) {
	hpa, known := r.objs.Autoscaler(name)
	r.reads = append(r.reads, objectRead{kind: readAutoscaler, name: name, version: autoscalerVersion(hpa, known)})
	return hpa, known
}
