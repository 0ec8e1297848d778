package devstack_test

import (
	"testing"

	"slipway.dev/cmd/slipway/devstack"
	"slipway.dev/testsupport/apitest"
	"slipway.dev/testsupport/devstacktest"
)

// The system tests, which test Slipway through a running stack, are in
// slipway.dev/testsupport/systemtest; these test devstack's own behaviour.

const deploymentsPath = "/v1/projects/acme/fraud/deployments"

// start runs a stack for t (devstacktest.Start) and returns it with a
// client of its API.
func start(t *testing.T, o devstack.Options) (*devstack.Stack, *apitest.Client) {
	t.Helper()
	s := devstacktest.Start(t, o)
	return s, devstacktest.Client(s)
}

func createBody(name string, replicas int) map[string]any {
	return map[string]any{"name": name, "environment": "staging", "labels": map[string]string{"team": "risk"},
		"spec": map[string]any{"image": "ghcr.io/acme/scorer:1.0", "replicas": replicas,
			"rollout": map[string]any{"maxSurge": "1", "maxUnavailable": "0"}}}
}
