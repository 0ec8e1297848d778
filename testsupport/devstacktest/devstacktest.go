// Package devstacktest starts all of Slipway in the test process, as
// `slipway dev` does (slipway.dev/cmd/slipway/devstack): embedded NATS
// JetStream and FerretDB, the four services and a simulated cluster unless
// the options name another. Any test tier can start one:
//
//	s := devstacktest.Start(t, devstack.Options{DriftInterval: 200 * time.Millisecond})
//	api := devstacktest.Client(s)  // an apitest client checked against the OpenAPI document
//	api.Do(t, http.MethodPost, "/v1/projects/default/deployments", body)
//
// The stack listens on a free loopback port, keeps its data in a fresh
// temporary folder unless the options name one, and stops when the test
// ends; a service that stopped with an error fails the test then.
package devstacktest

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"slipway.dev/cmd/slipway/devstack"
	"slipway.dev/pkg/kube/simcluster"
	"slipway.dev/testsupport/apitest"
	"slipway.dev/testsupport/apitest/openapicheck"
)

// Start runs a stack for t with o, on 127.0.0.1:0 whatever o.Addr says. An
// empty o.DataDir is a fresh temporary folder and a nil o.Logger discards
// the services' logs. The stack is closed at t's cleanup.
func Start(t testing.TB, o devstack.Options) *devstack.Stack {
	t.Helper()
	if o.DataDir == "" {
		o.DataDir = t.TempDir()
	}
	o.Addr = "127.0.0.1:0"
	if o.Logger == nil {
		o.Logger = Quiet()
	}
	s, err := devstack.Start(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("stack stopped with: %v", err)
		}
	})
	return s
}

// Client is a client of the stack's API that checks all its traffic against
// the OpenAPI document the API serves.
func Client(s *devstack.Stack) *apitest.Client { return openapicheck.Attach(apitest.New(s.URL)) }

// Cluster is a simulated cluster that outlives the stacks of t (pass it as
// Options.Cluster to restart a stack on the same cluster); it stops at t's
// cleanup.
func Cluster(t testing.TB) *simcluster.Cluster {
	t.Helper()
	c := simcluster.New(simcluster.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = c.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return c
}

// Quiet is a logger that discards everything.
func Quiet() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }
