package manifest

import (
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	appsac "k8s.io/client-go/applyconfigurations/apps/v1"
	coreac "k8s.io/client-go/applyconfigurations/core/v1"
	metaac "k8s.io/client-go/applyconfigurations/meta/v1"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
)

// CanaryName is the name of a deployment's canary Deployment: one per
// deployment, so a newer canary replaces an older one's pods.
func CanaryName(objectName string) string { return objectName + "-canary" }

// CanarySelector selects a deployment's canary Deployment (and its pods).
func CanarySelector(ref events.DeploymentRef) map[string]string {
	return map[string]string{kube.LabelOwner: ref.Owner, kube.LabelProject: ref.Project, kube.LabelCanaryOf: ref.Name}
}

// RenderCanary builds the Deployment that runs a canary's new revision
// beside the main Deployment (which keeps the stable revision, untouched,
// until the canary completes). Its pods carry the instance and revision
// labels the per-version Services select on, so a weighted HTTPRoute or
// canary Ingress reaches them. With joinMain (a target without weighted routing) they
// also carry the deployment label, so the main Service sends them a share
// of the requests in proportion to their count: the weight approximated by
// pods. Never both: on a weighted target the main Service keeps only the
// stable pods, so ending the split (a failure, an abort) sends no request to
// the canary however long its pods take to go.
func RenderCanary(ref events.DeploymentRef, target events.TargetInfo, rev events.Revision, types map[string]kube.InstanceType,
	replicas int32, joinMain bool) *appsac.DeploymentApplyConfiguration {
	spec := rev.Spec
	tmpl := strconv.Itoa(rev.PodTemplateRevision())
	selector := CanarySelector(ref)
	labels := withLabels(selector, kube.LabelManagedBy, kube.ManagedByValue, kube.LabelRevision, tmpl)
	podLabels := withLabels(labels, kube.LabelInstance, ref.Name)
	if joinMain {
		podLabels = withLabels(podLabels, kube.LabelDeployment, ref.Name)
	}
	return appsac.Deployment(CanaryName(target.ObjectName), target.Namespace).
		WithLabels(labels).
		WithAnnotations(map[string]string{kube.AnnotationRevision: strconv.Itoa(rev.Number)}).
		WithSpec(appsac.DeploymentSpec().
			WithReplicas(replicas).
			WithSelector(metaac.LabelSelector().WithMatchLabels(selector)).
			WithStrategy(appsac.DeploymentStrategy().WithType(appsv1.RollingUpdateDeploymentStrategyType)).
			WithProgressDeadlineSeconds(spec.Rollout.ProgressDeadlineSeconds).
			WithRevisionHistoryLimit(1).
			WithTemplate(coreac.PodTemplateSpec().
				WithLabels(podLabels).
				WithAnnotations(spec.PodAnnotations).
				WithSpec(coreac.PodSpec().WithContainers(container(spec, types)))))
}
