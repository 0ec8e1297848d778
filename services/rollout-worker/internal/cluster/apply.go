// Package cluster performs the rollout worker's Kubernetes changes and
// observes their progress. Every write is a server-side apply with Slipway's
// field manager, so repeating one after a crash is harmless.
package cluster

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/telemetry"
	"slipway.dev/services/rollout-worker/internal/manifest"
)

var applyOpts = metav1.ApplyOptions{FieldManager: kube.FieldManager, Force: true}

// Apply writes the revision's objects: the Service first, so the endpoint
// exists as soon as the first pod is ready, then the Deployment, then its
// autoscaler when the spec scales (applyAutoscaled), or else the removal of
// one a former revision had, after the Deployment took its fixed count.
func Apply(ctx context.Context, client kubernetes.Interface, objs manifest.Objects) error {
	svc := objs.Service
	if err := ApplyService(ctx, client, svc); err != nil {
		return fmt.Errorf("apply service %s/%s: %w", *svc.Namespace, *svc.Name, err)
	}
	if objs.Autoscaler != nil {
		return applyAutoscaled(ctx, client, objs)
	}
	dep := objs.Deployment
	if err := applyNotOlder(ctx, client, dep); err != nil {
		return fmt.Errorf("apply deployment %s/%s: %w", *dep.Namespace, *dep.Name, err)
	}
	return DeleteAutoscaler(ctx, client, *dep.Namespace, *dep.Name)
}

// traced runs one Kubernetes call in a client span of the caller's trace.
func traced(ctx context.Context, name, object string, call func(context.Context) error) error {
	ctx, span := telemetry.Tracer("slipway/kubernetes").Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("k8s.object", object)))
	defer span.End()
	err := call(ctx)
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	return err
}
