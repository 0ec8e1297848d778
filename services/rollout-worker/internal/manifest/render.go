// Package manifest renders a revision into the Kubernetes objects that run
// it, as server-side apply configurations. It does no I/O.
package manifest

import (
	"sort"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	appsac "k8s.io/client-go/applyconfigurations/apps/v1"
	autoscalingac "k8s.io/client-go/applyconfigurations/autoscaling/v2"
	coreac "k8s.io/client-go/applyconfigurations/core/v1"
	metaac "k8s.io/client-go/applyconfigurations/meta/v1"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
)

// ContainerName is the name of the model server container.
const ContainerName = "model"

// Objects are the objects one revision of a deployment needs.
type Objects struct {
	Deployment *appsac.DeploymentApplyConfiguration
	Service    *coreac.ServiceApplyConfiguration
	// Autoscaler is set when the spec asks for scaling: the Deployment then
	// carries no replicas, and MinReplicas is where a new one starts.
	Autoscaler *autoscalingac.HorizontalPodAutoscalerApplyConfiguration
	// MinReplicas is the autoscaler's minimum (0 without one).
	MinReplicas int32
}

// Render builds the objects for a revision on a target. paused holds its
// rollout (Kubernetes spec.paused); Slipway always owns that field.
func Render(ref events.DeploymentRef, target events.TargetInfo, rev events.Revision, types map[string]kube.InstanceType, paused bool) Objects {
	spec := rev.Spec
	selector := kube.SelectorLabels(ref.Owner, ref.Project, ref.Name)
	labels := withLabels(selector, kube.LabelManagedBy, kube.ManagedByValue)
	// Pods carry the revision of their template: a scaling-only revision or a
	// rollback to a template that still runs keeps them instead of replacing them.
	podLabels := withLabels(labels, kube.LabelRevision, strconv.Itoa(rev.PodTemplateRevision()), kube.LabelInstance, ref.Name)

	dep := appsac.Deployment(target.ObjectName, target.Namespace).
		WithLabels(withLabels(labels, kube.LabelRevision, strconv.Itoa(rev.PodTemplateRevision()))).
		WithAnnotations(map[string]string{kube.AnnotationRevision: strconv.Itoa(rev.Number)}).
		WithSpec(appsac.DeploymentSpec().
			WithSelector(metaac.LabelSelector().WithMatchLabels(selector)).
			WithStrategy(appsac.DeploymentStrategy().
				WithType(appsv1.RollingUpdateDeploymentStrategyType).
				WithRollingUpdate(appsac.RollingUpdateDeployment().
					WithMaxSurge(intstr.Parse(spec.Rollout.MaxSurge)).
					WithMaxUnavailable(intstr.Parse(spec.Rollout.MaxUnavailable)))).
			WithProgressDeadlineSeconds(spec.Rollout.ProgressDeadlineSeconds).
			WithPaused(paused).
			WithRevisionHistoryLimit(10).
			WithTemplate(coreac.PodTemplateSpec().
				WithLabels(podLabels).
				WithAnnotations(spec.PodAnnotations).
				WithSpec(coreac.PodSpec().WithContainers(container(spec, types)))))
	if spec.Scaling == nil {
		dep.Spec.WithReplicas(spec.DesiredReplicas())
	}
	svc := coreac.Service(target.ObjectName, target.Namespace).
		WithLabels(labels).
		WithSpec(coreac.ServiceSpec().
			WithSelector(selector).
			WithPorts(coreac.ServicePort().WithName("http").WithPort(80).
				WithTargetPort(intstr.FromString("http")).WithProtocol(corev1.ProtocolTCP)))
	objs := Objects{Deployment: dep, Service: svc, Autoscaler: autoscaler(labels, target.ObjectName, target.Namespace, spec.Scaling)}
	if spec.Scaling != nil {
		objs.MinReplicas = spec.Scaling.Min
	}
	return objs
}

func container(spec events.Spec, types map[string]kube.InstanceType) *coreac.ContainerApplyConfiguration {
	c := coreac.Container().WithName(ContainerName).WithImage(spec.Image).
		WithPorts(coreac.ContainerPort().WithName("http").WithContainerPort(spec.Port).WithProtocol(corev1.ProtocolTCP))
	if len(spec.Command) > 0 {
		c.WithCommand(spec.Command...)
	}
	if len(spec.Args) > 0 {
		c.WithArgs(spec.Args...)
	}
	c.WithEnv(env(spec)...)
	if it, ok := types[spec.InstanceType]; ok && spec.InstanceType != "" {
		c.WithResources(resources(it))
	}
	if p := spec.Readiness; p != nil {
		c.WithReadinessProbe(probe(p))
	}
	if p := spec.Liveness; p != nil {
		c.WithLivenessProbe(probe(p))
	}
	return c
}

// env lists plain values sorted by name, then secret references: only the
// reference to the Secret reaches the cluster object, never a value.
func env(spec events.Spec) []*coreac.EnvVarApplyConfiguration {
	keys := make([]string, 0, len(spec.Env))
	for k := range spec.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*coreac.EnvVarApplyConfiguration, 0, len(keys)+len(spec.Secrets))
	for _, k := range keys {
		out = append(out, coreac.EnvVar().WithName(k).WithValue(spec.Env[k]))
	}
	for _, s := range spec.Secrets {
		out = append(out, coreac.EnvVar().WithName(s.Env).WithValueFrom(coreac.EnvVarSource().
			WithSecretKeyRef(coreac.SecretKeySelector().WithName(s.Name).WithKey(s.Key))))
	}
	return out
}

func resources(it kube.InstanceType) *coreac.ResourceRequirementsApplyConfiguration {
	list := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse(it.CPU),
		corev1.ResourceMemory: resource.MustParse(it.Memory),
	}
	if it.GPU > 0 {
		list["nvidia.com/gpu"] = *resource.NewQuantity(int64(it.GPU), resource.DecimalSI)
	}
	return coreac.ResourceRequirements().WithRequests(list).WithLimits(list)
}

func probe(p *events.Probe) *coreac.ProbeApplyConfiguration {
	pr := coreac.Probe().WithHTTPGet(coreac.HTTPGetAction().WithPath(p.Path).WithPort(intstr.FromString("http")))
	if p.InitialDelaySeconds > 0 {
		pr.WithInitialDelaySeconds(p.InitialDelaySeconds)
	}
	if p.PeriodSeconds > 0 {
		pr.WithPeriodSeconds(p.PeriodSeconds)
	}
	if p.TimeoutSeconds > 0 {
		pr.WithTimeoutSeconds(p.TimeoutSeconds)
	}
	if p.FailureThreshold > 0 {
		pr.WithFailureThreshold(p.FailureThreshold)
	}
	return pr
}

func withLabels(base map[string]string, kv ...string) map[string]string {
	out := make(map[string]string, len(base)+len(kv)/2)
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}
