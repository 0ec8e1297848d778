package localplane

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// startupTimeout bounds each wait during Start when ctx has no deadline.
const startupTimeout = 2 * time.Minute

// poll calls cond every 100ms until it returns true, ctx ends, or one of
// the plane's processes exits. The last condition error, if any, is
// reported with a timeout.
func (p *Plane) poll(ctx context.Context, cond func(context.Context) (bool, error)) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, startupTimeout)
		defer cancel()
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		if err := p.Err(); err != nil {
			return err
		}
		ok, err := cond(ctx)
		if ok {
			return nil
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			if last != nil {
				return fmt.Errorf("%w (last error: %w)", ctx.Err(), last)
			}
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// apiserverReady reports whether kube-apiserver answers /readyz with "ok".
func (p *Plane) apiserverReady(ctx context.Context) (bool, error) {
	body, err := p.client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
	if err != nil {
		return false, err
	}
	return string(body) == "ok", nil
}

// serviceAccountExists reports whether ServiceAccount ns/default exists;
// the ServiceAccount admission plugin rejects pods until it does.
func serviceAccountExists(ctx context.Context, cs kubernetes.Interface, ns string) (bool, error) {
	_, err := cs.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// WaitServiceAccount polls every 50ms until ServiceAccount ns/default
// exists or ctx ends. Pods are rejected in a namespace until it does.
func WaitServiceAccount(ctx context.Context, cs kubernetes.Interface, ns string) error {
	var last error
	for {
		ok, err := serviceAccountExists(ctx, cs, ns)
		if ok {
			return nil
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			if last != nil {
				return fmt.Errorf("default ServiceAccount in %s: %w (last error: %w)", ns, ctx.Err(), last)
			}
			return fmt.Errorf("default ServiceAccount in %s: %w", ns, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// EnsureNamespace creates namespace ns unless it exists, then waits for its
// default ServiceAccount (see WaitServiceAccount).
func (p *Plane) EnsureNamespace(ctx context.Context, ns string) error {
	_, err := p.client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}},
		metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("localplane: create namespace %s: %w", ns, err)
	}
	if err := WaitServiceAccount(ctx, p.client, ns); err != nil {
		return fmt.Errorf("localplane: %w", err)
	}
	return nil
}
