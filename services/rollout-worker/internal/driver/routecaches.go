package driver

import (
	"context"

	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/cluster"
)

// routeCaches holds one cluster.RouteCache per target and namespace,
// started by the first routing reconcile there, so that routing the
// changes of a fleet makes no LIST per change (each a scan of the
// namespace on the API server). It watches HTTPRoutes when the cluster
// served them at its start.
type routeCaches struct {
	*targetCaches[*cluster.RouteCache]
}

func newRouteCaches(targets Targets) routeCaches {
	return routeCaches{newTargetCaches(targets, func(ctx context.Context, t *kube.Target, ns string) (*cluster.RouteCache, error) {
		gateway := t.Dynamic != nil && cluster.ServesHTTPRoutes(ctx, t.Client) == nil
		return cluster.NewRouteCache(t.Client, t.Dynamic, ns, gateway)
	})}
}

// reader is t's route cache in ns once it has its first lists, else a
// LIST of each kind (the target unreachable when the cache started) that
// tells the cache, if one started, of its writes.
func (rc routeCaches) reader(ctx context.Context, t *kube.Target, ns string) cluster.RouteReader {
	c, ok := rc.get(ctx, t, ns)
	if ok && c.Synced() {
		return c
	}
	l := cluster.RouteLister{Client: t.Client, Dynamic: t.Dynamic, Namespace: ns}
	if ok {
		l.Tell = c
	}
	return l
}
