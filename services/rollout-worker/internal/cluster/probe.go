package cluster

import (
	"context"
	"errors"

	"slipway.dev/pkg/kube"
)

// ErrNoClient: a target is known but the worker has no client for it.
var ErrNoClient = errors.New("no client for the target")

// Probe checks that t's API server answers (kube.Probe) with its
// ProbeClient, else its Client; a target without a working client says why.
func Probe(ctx context.Context, t *kube.Target) (string, error) {
	switch {
	case t.ConnectErr != nil:
		return "", t.ConnectErr
	case t.Client == nil:
		return "", ErrNoClient
	case t.ProbeClient != nil:
		return kube.Probe(ctx, t.ProbeClient)
	}
	return kube.Probe(ctx, t.Client)
}
