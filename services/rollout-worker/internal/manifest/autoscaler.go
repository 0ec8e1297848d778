package manifest

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	autoscalingac "k8s.io/client-go/applyconfigurations/autoscaling/v2"

	"slipway.dev/pkg/events"
)

// DefaultTargetCPUPercent is the average CPU utilization (of the requested
// CPU) the autoscaler holds when the spec does not name one; Kubernetes'
// own default for an HPA without metrics.
const DefaultTargetCPUPercent = 80

// autoscaler renders the HorizontalPodAutoscaler of a spec with scaling, or
// nil without. It scales the deployment's Deployment (same name) between
// min and max on CPU utilization; the HPA, not Slipway, owns spec.replicas.
func autoscaler(labels map[string]string, name, namespace string, sc *events.Scaling) *autoscalingac.HorizontalPodAutoscalerApplyConfiguration {
	if sc == nil {
		return nil
	}
	target := sc.TargetCPUPercent
	if target == 0 {
		target = DefaultTargetCPUPercent
	}
	return autoscalingac.HorizontalPodAutoscaler(name, namespace).
		WithLabels(labels).
		WithSpec(autoscalingac.HorizontalPodAutoscalerSpec().
			WithScaleTargetRef(autoscalingac.CrossVersionObjectReference().
				WithAPIVersion("apps/v1").WithKind("Deployment").WithName(name)).
			WithMinReplicas(sc.Min).
			WithMaxReplicas(sc.Max).
			WithMetrics(autoscalingac.MetricSpec().
				WithType(autoscalingv2.ResourceMetricSourceType).
				WithResource(autoscalingac.ResourceMetricSource().
					WithName(corev1.ResourceCPU).
					WithTarget(autoscalingac.MetricTarget().
						WithType(autoscalingv2.UtilizationMetricType).
						WithAverageUtilization(target)))))
}
