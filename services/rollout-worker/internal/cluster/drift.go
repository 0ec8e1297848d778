package cluster

import (
	"context"
	"errors"
	"fmt"
	appsv1 "k8s.io/api/apps/v1"
	"regexp"
	"sort"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/manifest"
)

// Drift is what another field manager changed on an object Slipway manages.
type Drift struct {
	Object   string
	Fields   []string
	Managers []string
	// Live is the Deployment as it is now, for adopting the change.
	Live *appsv1.Deployment
}

var conflictManager = regexp.MustCompile(`conflict with "([^"]+)"`)

// DetectDrift asks the apiserver, with a non-forced server-side apply dry
// run of what Slipway last applied, whether another manager now owns a field
// Slipway manages with a different value. Such a change is a conflict that
// names the fields and managers; no conflict means no drift.
func DetectDrift(ctx context.Context, client kubernetes.Interface, objs manifest.Objects) (*Drift, error) {
	dep := objs.Deployment
	_, err := client.AppsV1().Deployments(*dep.Namespace).Apply(ctx, dep,
		metav1.ApplyOptions{FieldManager: kube.FieldManager, DryRun: []string{metav1.DryRunAll}})
	if err == nil {
		return nil, nil
	}
	var status apierrors.APIStatus
	if !apierrors.IsConflict(err) || !errors.As(err, &status) || status.Status().Details == nil {
		return nil, fmt.Errorf("drift check of deployment %s/%s: %w", *dep.Namespace, *dep.Name, err)
	}
	live, err := client.AppsV1().Deployments(*dep.Namespace).Get(ctx, *dep.Name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("drift check of deployment %s/%s: read it: %w", *dep.Namespace, *dep.Name, err)
	}
	d := &Drift{Object: fmt.Sprintf("apps/v1 Deployment %s/%s", *dep.Namespace, *dep.Name), Live: live}
	managers := map[string]bool{}
	for _, c := range status.Status().Details.Causes {
		d.Fields = append(d.Fields, c.Field)
		if m := conflictManager.FindStringSubmatch(c.Message); m != nil {
			managers[m[1]] = true
		}
	}
	for m := range managers {
		d.Managers = append(d.Managers, m)
	}
	sort.Strings(d.Fields)
	sort.Strings(d.Managers)
	return d, nil
}
