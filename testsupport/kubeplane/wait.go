package kubeplane

import (
	"context"
	"fmt"
	"time"

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
