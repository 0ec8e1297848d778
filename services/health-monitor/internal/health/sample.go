// Package health decides a deployment's health from what Kubernetes reports
// about it — the Deployment's status, its pods, its Service's EndpointSlices
// and optionally an HTTP probe — and when a change has held long enough to be
// published (Window). It does no I/O.
package health

import (
	"slices"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"

	"slipway.dev/pkg/kube"
)

// Sample is what is known about one deployment at one evaluation.
type Sample struct {
	// Deployment is the Kubernetes Deployment; nil when it does not exist.
	Deployment *appsv1.Deployment
	// Pods summarises the Deployment's pods (SummarizePods).
	Pods Pods
	// Endpoints summarises its Service's EndpointSlices (SummarizeEndpoints).
	Endpoints Endpoints
	// Probe is the latest HTTP probe of its Service; nil when not probed.
	Probe *ProbeResult
}

// Pods counts a deployment's pods, and those failing by failure. A pod counts
// in at most one failure, the first of CrashLooping, ImagePull, Unschedulable.
type Pods struct {
	Total, Ready  int32
	CrashLooping  Failing
	ImagePull     Failing
	Unschedulable Failing
}

// Failing counts the pods failing in one way and lists the template
// revisions (slipway.dev/revision labels; 0 when missing) they run, ascending.
type Failing struct {
	Count     int32
	Revisions []int
}

func (f *Failing) add(revision int) {
	f.Count++
	if i, found := slices.BinarySearch(f.Revisions, revision); !found {
		f.Revisions = slices.Insert(f.Revisions, i, revision)
	}
}

// Endpoints summarises the EndpointSlices of a deployment's Service.
type Endpoints struct {
	// Known is false when no EndpointSlice exists at all, as in a cluster
	// without an endpoint controller (the simulated one).
	Known bool
	// Ready is the number of ready endpoints.
	Ready int32
}

// ProbeResult is the outcome of the latest HTTP probes of a deployment.
type ProbeResult struct {
	Requests, Failures int
	// Detail says why the last failing request failed.
	Detail string
}

// Waiting reasons of containers that SummarizePods counts as failures.
const (
	waitingCrashLoop    = "CrashLoopBackOff"
	waitingErrImagePull = "ErrImagePull"
	waitingImagePull    = "ImagePullBackOff"
)

// SummarizePods counts pods by readiness and failure, skipping pods being
// deleted. A pod is crash-looping when a container waits in CrashLoopBackOff
// or its restart count grew since the previous sample: prev holds each pod's
// restart count (by name) from the previous sample and may be nil. The
// returned map holds the counts of this sample, to pass as prev next time.
func SummarizePods(pods []*corev1.Pod, prev map[string]int32) (Pods, map[string]int32) {
	var s Pods
	restarts := make(map[string]int32, len(pods))
	for _, p := range pods {
		if p.DeletionTimestamp != nil {
			continue
		}
		s.Total++
		if podReady(p) {
			s.Ready++
		}
		rev := Revision(p.Labels)
		n := restartCount(p)
		before, seen := prev[p.Name]
		restarts[p.Name] = n
		switch {
		case waiting(p, waitingCrashLoop) || (seen && n > before):
			s.CrashLooping.add(rev)
		case waiting(p, waitingErrImagePull, waitingImagePull):
			s.ImagePull.add(rev)
		case unschedulable(p):
			s.Unschedulable.add(rev)
		}
	}
	return s, restarts
}

// SummarizeEndpoints counts the ready endpoints of one Service's slices. An
// endpoint whose ready condition is unset counts as ready, as the API says
// consumers should read it. Dual-stack Services have a set of slices per
// address family listing the same pods, so the count is the largest over
// address types.
func SummarizeEndpoints(slices []*discoveryv1.EndpointSlice) Endpoints {
	e := Endpoints{Known: len(slices) > 0}
	ready := map[discoveryv1.AddressType]int32{}
	for _, s := range slices {
		for _, ep := range s.Endpoints {
			if ep.Conditions.Ready == nil || *ep.Conditions.Ready {
				ready[s.AddressType]++
			}
		}
	}
	for _, n := range ready {
		e.Ready = max(e.Ready, n)
	}
	return e
}

// Revision is the template revision in Slipway's labels; 0 when missing or
// malformed.
func Revision(labels map[string]string) int {
	n, err := strconv.Atoi(labels[kube.LabelRevision])
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func unschedulable(p *corev1.Pod) bool {
	if p.Status.Phase != corev1.PodPending {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled {
			return c.Status == corev1.ConditionFalse
		}
	}
	return false
}

func waiting(p *corev1.Pod, reasons ...string) bool {
	for _, list := range [][]corev1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
		for _, cs := range list {
			if w := cs.State.Waiting; w != nil && slices.Contains(reasons, w.Reason) {
				return true
			}
		}
	}
	return false
}

func restartCount(p *corev1.Pod) int32 {
	var n int32
	for _, list := range [][]corev1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
		for _, cs := range list {
			n += cs.RestartCount
		}
	}
	return n
}
