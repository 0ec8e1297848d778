package manifest

import (
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	appsac "k8s.io/client-go/applyconfigurations/apps/v1"
	coreac "k8s.io/client-go/applyconfigurations/core/v1"
	metaac "k8s.io/client-go/applyconfigurations/meta/v1"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
)

// RenderPinned builds the pinned Deployment that keeps one pod template
// revision running for aliases and keepWarm. Its pods carry the instance and
// revision labels alias Services select on, and no deployment label, so the
// deployment's own Deployment and Service never count them.
func RenderPinned(ref events.DeploymentRef, target events.TargetInfo, rev events.Revision, types map[string]kube.InstanceType) *appsac.DeploymentApplyConfiguration {
	spec := rev.Spec
	tmpl := strconv.Itoa(rev.PodTemplateRevision())
	selector := map[string]string{kube.LabelOwner: ref.Owner, kube.LabelProject: ref.Project, kube.LabelPinnedOf: ref.Name, kube.LabelRevision: tmpl}
	labels := withLabels(selector, kube.LabelManagedBy, kube.ManagedByValue)
	podLabels := withLabels(labels, kube.LabelInstance, ref.Name)
	replicas := spec.DesiredReplicas()
	if replicas < 1 {
		replicas = 1
	}
	return appsac.Deployment(kube.PinnedName(target.ObjectName, rev.PodTemplateRevision()), target.Namespace).
		WithLabels(labels).
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

// RenderAliasService builds an alias's Service, selecting every pod (main or
// pinned) of the given pod template revision.
func RenderAliasService(ref events.DeploymentRef, target events.TargetInfo, alias string, templateRevision int) *coreac.ServiceApplyConfiguration {
	return coreac.Service(kube.AliasServiceName(ref.Owner, ref.Project, ref.Name, alias), target.Namespace).
		WithLabels(map[string]string{kube.LabelManagedBy: kube.ManagedByValue, kube.LabelOwner: ref.Owner,
			kube.LabelProject: ref.Project, kube.LabelPinnedOf: ref.Name, kube.LabelAlias: alias}).
		WithSpec(coreac.ServiceSpec().
			WithSelector(map[string]string{kube.LabelOwner: ref.Owner, kube.LabelProject: ref.Project,
				kube.LabelInstance: ref.Name, kube.LabelRevision: strconv.Itoa(templateRevision)}).
			WithPorts(coreac.ServicePort().WithName("http").WithPort(80).
				WithTargetPort(intstr.FromString("http")).WithProtocol(corev1.ProtocolTCP)))
}
