package simcluster

import (
	"math"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Pod template annotations that inject failures into the template's pods.
const (
	// AnnotationNeverReady set to "true" makes the pods run but never pass
	// readiness.
	AnnotationNeverReady = "sim.slipway.dev/never-ready"
	// AnnotationCrashLoop set to "true" makes the pods' containers crash
	// repeatedly: never Ready, waiting in CrashLoopBackOff with a growing
	// restartCount.
	AnnotationCrashLoop = "sim.slipway.dev/crash-loop"
	// AnnotationCrashAfterTicks set to a number N makes the pods healthy
	// (Ready as usual) for their first N ticks, then crash-looping: a model
	// server that fails after warming up (out of memory on real traffic).
	AnnotationCrashAfterTicks = "sim.slipway.dev/crash-after-ticks"
)

// Defaults the apiserver would have written into an unset Deployment field.
// The fake clientset does no defaulting, so the simulator reads unset fields
// with these values instead.
const (
	DefaultReplicas                = 1
	DefaultProgressDeadlineSeconds = 600
)

var defaultRollingValue = intstr.FromString("25%")

// DesiredReplicas is spec.replicas, or DefaultReplicas when unset.
func DesiredReplicas(d *appsv1.Deployment) int {
	if d.Spec.Replicas == nil {
		return DefaultReplicas
	}
	return int(*d.Spec.Replicas)
}

// IsRecreate reports whether d uses the Recreate strategy; an unset strategy
// type defaults to RollingUpdate.
func IsRecreate(d *appsv1.Deployment) bool {
	return d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType
}

// ResolveRollingParams returns maxSurge and maxUnavailable as pod counts the
// way the deployment controller resolves them: percentages are of the
// desired replicas, maxSurge rounds up and maxUnavailable rounds down, and if
// both resolve to 0 maxUnavailable becomes 1. Unset values take the
// apiserver default of 25%; an unparsable value counts as 0 (the apiserver
// would have rejected it). The Recreate strategy has no surge and no
// unavailability budget, so it returns (0, 0).
func ResolveRollingParams(d *appsv1.Deployment) (surge, unavailable int) {
	if IsRecreate(d) {
		return 0, 0
	}
	maxSurge, maxUnavailable := &defaultRollingValue, &defaultRollingValue
	if ru := d.Spec.Strategy.RollingUpdate; ru != nil {
		if ru.MaxSurge != nil {
			maxSurge = ru.MaxSurge
		}
		if ru.MaxUnavailable != nil {
			maxUnavailable = ru.MaxUnavailable
		}
	}
	replicas := DesiredReplicas(d)
	surge = scaled(maxSurge, replicas, true)
	unavailable = scaled(maxUnavailable, replicas, false)
	if surge == 0 && unavailable == 0 {
		unavailable = 1
	}
	return surge, unavailable
}

// MaxUnavailable is the unavailability budget the Available condition is
// judged against: ResolveRollingParams' maxUnavailable capped at the desired
// replicas, and 0 for Recreate or zero replicas.
func MaxUnavailable(d *appsv1.Deployment) int {
	replicas := DesiredReplicas(d)
	if IsRecreate(d) || replicas == 0 {
		return 0
	}
	_, unavailable := ResolveRollingParams(d)
	return min(unavailable, replicas)
}

// ProgressDeadline returns spec.progressDeadlineSeconds (unset means
// DefaultProgressDeadlineSeconds) and whether the deadline is enforced at
// all: math.MaxInt32 disables it, as in the real controller.
func ProgressDeadline(d *appsv1.Deployment) (seconds int32, enforced bool) {
	seconds = DefaultProgressDeadlineSeconds
	if d.Spec.ProgressDeadlineSeconds != nil {
		seconds = *d.Spec.ProgressDeadlineSeconds
	}
	return seconds, seconds != math.MaxInt32
}

func scaled(v *intstr.IntOrString, total int, roundUp bool) int {
	n, err := intstr.GetScaledValueFromIntOrPercent(v, total, roundUp)
	if err != nil || n < 0 {
		return 0
	}
	return n
}
