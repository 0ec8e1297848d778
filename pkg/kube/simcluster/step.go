package simcluster

import (
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
)

// Pod is the simulated controller's view of one pod of a Deployment.
type Pod struct {
	// Name is the pod's name; empty for a pod a Step result asks to create.
	Name string
	// Hash is the pod-template-hash of the template the pod runs.
	Hash string
	// Fault is the failure injected into the pod (from its annotations);
	// a crash-looping pod is healthy for its first CrashAfter ticks.
	Fault      Fault
	CrashAfter int
	// Age counts the ticks since the pod was created.
	Age int
	// Ready is the pod's Ready condition; ReadySince is when it last became
	// true (the condition's lastTransitionTime).
	Ready      bool
	ReadySince time.Time
	// Restarts is the containers' restart count.
	Restarts int32
}

// Available reports whether p counts as available: Ready for at least
// minReadySeconds before now.
func (p Pod) Available(minReadySeconds int32, now time.Time) bool {
	if !p.Ready {
		return false
	}
	return minReadySeconds == 0 ||
		p.ReadySince.Add(time.Duration(minReadySeconds)*time.Second).Before(now)
}

// Result is what one Step decided for one Deployment.
type Result struct {
	// Pods are the Deployment's pods after the step: surviving pods with
	// their advanced age and readiness, then pods to create (empty Name).
	Pods []Pod
	// Deleted are the pods to delete.
	Deleted []Pod
	// Status is the Deployment status to write.
	Status appsv1.DeploymentStatus
}

// Step advances one Deployment by one tick; it is pure (no I/O, no clock
// reads, no randomness) and deterministic.
//
// First the simulated kubelet ages every pod: a pod becomes Ready readyAfter
// ticks after creation unless its Fault prevents it. Then the simulated
// Deployment controller reconciles like kube-controller-manager: pods whose
// Hash is TemplateHash(d.Spec.Template) are new, all others old.
// RollingUpdate scales new pods up while the total stays within
// replicas+maxSurge and scales old pods down only while available pods stay
// at or above replicas-maxUnavailable (unavailable old pods go first).
// Recreate deletes all old pods in one tick and creates new pods on a later
// one. A spec.replicas change with an unchanged template only adds or
// removes new pods. Finally it computes status and conditions (see
// status.go) with now as the condition clock.
//
// d.Status must be the status the previous Step returned (or what is stored
// in the cluster): it is the progress baseline.
func Step(d *appsv1.Deployment, pods []Pod, readyAfter int, now time.Time) Result {
	return step(d, TemplateHash(&d.Spec.Template), pods, readyAfter, now)
}

// step is Step with the template's hash supplied (Sync caches it per
// generation: hashing is most of a settled Deployment's cost per tick).
func step(d *appsv1.Deployment, hash string, pods []Pod, readyAfter int, now time.Time) Result {
	if d.Spec.Paused {
		return stepPaused(d, hash, pods, readyAfter, now)
	}
	d = resumed(d, now)
	cur, old := partition(pods, hash, readyAfter, now)
	r := reconciler{d: d, hash: hash, fault: FaultOf(d.Spec.Template.Annotations), crashAfter: CrashAfterOf(d.Spec.Template.Annotations),
		readyAfter: readyAfter, now: now}
	newRSExisted := len(cur) > 0 || progressingNames(d.Status, replicaSetName(d.Name, hash))
	if IsRecreate(d) {
		cur, old = r.recreate(cur, old)
	} else {
		cur, old = r.rolling(cur, old)
	}
	return Result{
		Pods:    append(old, cur...),
		Deleted: r.deleted,
		Status:  computeStatus(d, cur, old, newRSExisted, replicaSetName(d.Name, hash), now),
	}
}

// partition ages and settles the pods one tick and splits them into those of
// the current template (hash) and the old ones.
func partition(pods []Pod, hash string, readyAfter int, now time.Time) (cur, old []Pod) {
	for _, p := range pods {
		p.Age++
		p = settle(p, readyAfter, now)
		if p.Hash == hash {
			cur = append(cur, p)
		} else {
			old = append(old, p)
		}
	}
	return cur, old
}

type reconciler struct {
	d          *appsv1.Deployment
	hash       string
	fault      Fault
	crashAfter int
	readyAfter int
	now        time.Time
	deleted    []Pod
}

func (r *reconciler) rolling(cur, old []Pod) ([]Pod, []Pod) {
	replicas := DesiredReplicas(r.d)
	surge, _ := ResolveRollingParams(r.d)
	switch total := len(cur) + len(old); {
	case len(cur) > replicas:
		cur = r.scaleDown(cur, len(cur)-replicas)
	case len(cur) < replicas && total < replicas+surge:
		cur = r.scaleUp(cur, min(replicas+surge-total, replicas-len(cur)))
	}
	if len(old) == 0 {
		return cur, old
	}
	minAvailable := replicas - MaxUnavailable(r.d)
	newUnavailable := len(cur) - r.available(cur)
	maxScaledDown := len(cur) + len(old) - minAvailable - newUnavailable
	if maxScaledDown <= 0 {
		return cur, old
	}
	// Unavailable old pods go first: removing them costs no availability.
	old = r.scaleDown(old, min(maxScaledDown, len(old)-r.available(old)))
	if available := r.available(cur) + r.available(old); available > minAvailable {
		old = r.scaleDown(old, min(available-minAvailable, len(old)))
	}
	return cur, old
}

func (r *reconciler) recreate(cur, old []Pod) ([]Pod, []Pod) {
	if len(old) > 0 {
		return cur, r.scaleDown(old, len(old))
	}
	replicas := DesiredReplicas(r.d)
	if len(cur) > replicas {
		return r.scaleDown(cur, len(cur)-replicas), old
	}
	return r.scaleUp(cur, replicas-len(cur)), old
}

func (r *reconciler) scaleUp(pods []Pod, n int) []Pod {
	for range n {
		pods = append(pods, settle(Pod{Hash: r.hash, Fault: r.fault, CrashAfter: r.crashAfter}, r.readyAfter, r.now))
	}
	return pods
}

// scaleDown deletes n pods, picking victims like the ReplicaSet controller:
// unavailable first, then most restarts, then youngest.
func (r *reconciler) scaleDown(pods []Pod, n int) []Pod {
	if n <= 0 {
		return pods
	}
	order := make([]int, len(pods))
	for i := range order {
		order[i] = i
	}
	minReady := r.d.Spec.MinReadySeconds
	slices.SortStableFunc(order, func(a, b int) int {
		pa, pb := pods[a], pods[b]
		if aa, ab := pa.Available(minReady, r.now), pb.Available(minReady, r.now); aa != ab {
			if ab {
				return -1
			}
			return 1
		}
		if pa.Restarts != pb.Restarts {
			return int(pb.Restarts - pa.Restarts)
		}
		return pa.Age - pb.Age
	})
	gone := make(map[int]bool, n)
	for _, i := range order[:n] {
		gone[i] = true
		r.deleted = append(r.deleted, pods[i])
	}
	kept := make([]Pod, 0, len(pods)-n)
	for i, p := range pods {
		if !gone[i] {
			kept = append(kept, p)
		}
	}
	return kept
}

func (r *reconciler) available(pods []Pod) int {
	return countAvailable(pods, r.d.Spec.MinReadySeconds, r.now)
}

func countAvailable(pods []Pod, minReadySeconds int32, now time.Time) int {
	n := 0
	for _, p := range pods {
		if p.Available(minReadySeconds, now) {
			n++
		}
	}
	return n
}

// settled reports whether d, stepped to r at now, would step to the same
// result at any later tick if nothing were written meanwhile: no pod is
// warming up towards Ready, crash-looping (its restarts grow with time) or
// Ready but not yet available for minReadySeconds, and no progress deadline
// is running. Ages only order scale-down victims, and a scale-down is a
// write, so they do not count. The caller also requires that the step wrote
// nothing.
func settled(d *appsv1.Deployment, r Result, now time.Time) bool {
	for _, p := range r.Pods {
		switch {
		case p.Name == "", p.Fault == FaultCrashLoop:
			return false
		case p.Fault == FaultNone && !p.Ready:
			return false
		case p.Ready && !p.Available(d.Spec.MinReadySeconds, now):
			return false
		}
	}
	if _, enforced := ProgressDeadline(d); !enforced {
		return true
	}
	c := condition(r.Status, appsv1.DeploymentProgressing)
	return c == nil || slices.Contains([]string{ReasonNewReplicaSetAvailable, ReasonProgressDeadlineExceeded, ReasonDeploymentPaused}, c.Reason)
}
