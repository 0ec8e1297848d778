package simcluster

import (
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/uuid"
)

// Fault is a failure the simulated kubelet injects into a pod.
type Fault int

// The faults, chosen by pod (template) annotations; see FaultOf.
const (
	FaultNone       Fault = iota
	FaultNeverReady       // AnnotationNeverReady
	FaultCrashLoop        // AnnotationCrashLoop
)

// FaultOf returns the fault that pod or pod template annotations ask for.
// Crash-loop wins when both annotations are set.
func FaultOf(annotations map[string]string) Fault {
	switch {
	case annotations[AnnotationCrashLoop] == "true", CrashAfterOf(annotations) > 0:
		return FaultCrashLoop
	case annotations[AnnotationNeverReady] == "true":
		return FaultNeverReady
	}
	return FaultNone
}

// CrashAfterOf returns the ticks a pod stays healthy before it starts
// crash-looping (AnnotationCrashAfterTicks), or 0.
func CrashAfterOf(annotations map[string]string) int {
	n, err := strconv.Atoi(annotations[AnnotationCrashAfterTicks])
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// NodeName is the spec.nodeName of every simulated pod.
const NodeName = "simcluster"

// maxCrashBackoff caps the ticks between two crashes, like the kubelet's
// five-minute cap on CrashLoopBackOff.
const maxCrashBackoff = 32

// settle applies the simulated kubelet to p at its current Age: healthy pods
// turn Ready once Age >= readyAfter, faulty pods never do, and crash-looping
// pods crash first at Age max(readyAfter, 1) and then after back-offs of
// 2, 4, 8, ... ticks (capped at maxCrashBackoff).
func settle(p Pod, readyAfter int, now time.Time) Pod {
	switch p.Fault {
	case FaultNone:
		if !p.Ready && p.Age >= readyAfter {
			p.Ready, p.ReadySince = true, now
		}
	case FaultNeverReady:
		p.Ready = false
	case FaultCrashLoop:
		if p.Age < p.CrashAfter { // healthy until then
			if !p.Ready && p.Age >= readyAfter {
				p.Ready, p.ReadySince = true, now
			}
			break
		}
		p.Ready = false
		p.Restarts = 0
		for at, backoff := max(readyAfter, 1, p.CrashAfter), 2; at <= p.Age; at, backoff = at+backoff, min(2*backoff, maxCrashBackoff) {
			p.Restarts++
		}
	}
	return p
}

// replicaSetName is the name the real controller would give the ReplicaSet
// of a template; the simulator only uses it in condition messages.
func replicaSetName(deployment, hash string) string {
	return deployment + "-" + hash
}

// newPodObject renders a pod Step asked to create as a v1.Pod owned by d:
// named <deployment>-<hash>-<5 random chars>, labelled with the template's
// labels plus pod-template-hash, annotated with the template's annotations.
func newPodObject(d *appsv1.Deployment, p Pod, now time.Time) *corev1.Pod {
	t := d.Spec.Template.DeepCopy()
	labels := maps.Clone(t.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[appsv1.DefaultDeploymentUniqueLabelKey] = p.Hash
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:              replicaSetName(d.Name, p.Hash) + "-" + rand.String(5),
			Namespace:         d.Namespace,
			UID:               uuid.NewUUID(),
			CreationTimestamp: metav1.NewTime(now),
			Labels:            labels,
			Annotations:       t.Annotations,
			OwnerReferences: []metav1.OwnerReference{
				*metav1.NewControllerRef(d, appsv1.SchemeGroupVersion.WithKind("Deployment")),
			},
		},
		Spec: t.Spec,
	}
	pod.Spec.NodeName = NodeName
	setPodStatus(pod, p)
	return pod
}

// setPodStatus writes p's simulated state into pod.Status: phase Running,
// Ready and ContainersReady conditions, and one container status per
// container (waiting in CrashLoopBackOff once a crash-looping pod crashed).
func setPodStatus(pod *corev1.Pod, p Pod) {
	started := pod.CreationTimestamp
	ready, readySince, reason, message := corev1.ConditionFalse, started, "ContainersNotReady", ""
	if p.Ready {
		ready, readySince, reason = corev1.ConditionTrue, metav1.NewTime(p.ReadySince), ""
	}
	var names []string
	for _, c := range pod.Spec.Containers {
		names = append(names, c.Name)
	}
	if !p.Ready {
		message = fmt.Sprintf("containers with unready status: [%s]", strings.Join(names, " "))
	}
	pod.Status = corev1.PodStatus{
		Phase:     corev1.PodRunning,
		HostIP:    "10.0.0.1",
		StartTime: &started,
		Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: started},
			{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: started},
			{Type: corev1.ContainersReady, Status: ready, LastTransitionTime: readySince, Reason: reason, Message: message},
			{Type: corev1.PodReady, Status: ready, LastTransitionTime: readySince, Reason: reason, Message: message},
		},
	}
	for _, c := range pod.Spec.Containers {
		pod.Status.ContainerStatuses = append(pod.Status.ContainerStatuses, containerStatus(pod, c, p, started))
	}
}

func containerStatus(pod *corev1.Pod, c corev1.Container, p Pod, started metav1.Time) corev1.ContainerStatus {
	cs := corev1.ContainerStatus{
		Name:         c.Name,
		Image:        c.Image,
		ImageID:      "simcluster://" + c.Image,
		ContainerID:  "simcluster://" + pod.Name + "/" + c.Name,
		Ready:        p.Ready,
		RestartCount: p.Restarts,
		State:        corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}},
	}
	isStarted := true
	if p.Fault == FaultCrashLoop && p.Restarts > 0 {
		isStarted = false
		cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
			Reason:  "CrashLoopBackOff",
			Message: fmt.Sprintf("back-off restarting failed container %s in pod %s", c.Name, pod.Name),
		}}
		cs.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: 1, Reason: "Error", StartedAt: started, FinishedAt: started,
		}}
	}
	cs.Started = &isStarted
	return cs
}

// podState reads a simulated pod back from its v1.Pod; age is supplied by
// the caller, which tracks ticks.
func podState(pod *corev1.Pod, age int) Pod {
	p := Pod{
		Name:       pod.Name,
		Hash:       pod.Labels[appsv1.DefaultDeploymentUniqueLabelKey],
		Fault:      FaultOf(pod.Annotations),
		CrashAfter: CrashAfterOf(pod.Annotations),
		Age:        age,
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			p.Ready = c.Status == corev1.ConditionTrue
			p.ReadySince = c.LastTransitionTime.Time
		}
	}
	for _, cs := range pod.Status.ContainerStatuses {
		p.Restarts = max(p.Restarts, cs.RestartCount)
	}
	return p
}
