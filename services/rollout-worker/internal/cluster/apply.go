// Package cluster performs the rollout worker's Kubernetes changes and
// observes their progress. Every write is a server-side apply with Slipway's
// field manager, so repeating one after a crash is harmless.
package cluster

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/manifest"
)

var applyOpts = metav1.ApplyOptions{FieldManager: kube.FieldManager, Force: true}

// Apply writes the revision's objects: the Service first, so the endpoint
// exists as soon as the first pod is ready, then the Deployment.
func Apply(ctx context.Context, client kubernetes.Interface, objs manifest.Objects) error {
	svc := objs.Service
	if _, err := client.CoreV1().Services(*svc.Namespace).Apply(ctx, svc, applyOpts); err != nil {
		return fmt.Errorf("apply service %s/%s: %w", *svc.Namespace, *svc.Name, err)
	}
	dep := objs.Deployment
	if _, err := client.AppsV1().Deployments(*dep.Namespace).Apply(ctx, dep, applyOpts); err != nil {
		return fmt.Errorf("apply deployment %s/%s: %w", *dep.Namespace, *dep.Name, err)
	}
	return nil
}
