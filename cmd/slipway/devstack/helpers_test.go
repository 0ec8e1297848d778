package devstack_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/cmd/slipway/devstack"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube/simcluster"
	"slipway.dev/testsupport/apitest"
	"slipway.dev/testsupport/apitest/openapicheck"
)

// start runs a stack on :0 in dir (a fresh temp dir when empty) and stops it
// when the test ends.
func start(t *testing.T, o devstack.Options) (*devstack.Stack, *apitest.Client) {
	t.Helper()
	if o.DataDir == "" {
		o.DataDir = t.TempDir()
	}
	o.Addr = "127.0.0.1:0"
	if o.Logger == nil {
		o.Logger = quiet()
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
	return s, clientFor(s)
}

// cluster is a simulated cluster that outlives stack restarts within a test.
func cluster(t *testing.T) *simcluster.Cluster {
	c := simcluster.New(simcluster.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = c.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return c
}

// jetStream connects to the stack's NATS for t, as a client outside Slipway.
func jetStream(t *testing.T, natsURL string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// history reads a deployment's events straight from JetStream.
func history(t *testing.T, natsURL string, ref events.DeploymentRef) []events.Envelope {
	t.Helper()
	js := jetStream(t, natsURL)
	stream, err := js.Stream(t.Context(), events.StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	var out []events.Envelope
	subject := events.DeploymentSubject(ref)
	for seq := uint64(1); ; seq++ {
		msg, err := stream.GetMsg(t.Context(), seq, jetstream.WithGetMsgSubject(subject))
		if err != nil {
			break
		}
		env, err := events.Unmarshal(msg.Data)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, env)
		seq = msg.Sequence
	}
	return out
}

func countTypes(envs []events.Envelope) map[string]int {
	out := map[string]int{}
	for _, e := range envs {
		out[e.Type]++
	}
	return out
}

// streamCounts returns how many messages COMMANDS and EVENTS hold.
func streamCounts(t *testing.T, natsURL string) (commands, evts uint64) {
	t.Helper()
	js := jetStream(t, natsURL)
	for name, dst := range map[string]*uint64{events.StreamCommands: &commands, events.StreamEvents: &evts} {
		s, err := js.Stream(t.Context(), name)
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		*dst = info.State.Msgs
	}
	return commands, evts
}

func createBody(name string, replicas int) map[string]any {
	return map[string]any{"name": name, "environment": "staging", "labels": map[string]string{"team": "risk"},
		"spec": map[string]any{"image": "ghcr.io/acme/scorer:1.0", "replicas": replicas,
			"rollout": map[string]any{"maxSurge": "1", "maxUnavailable": "0"}}}
}

// clientFor returns a client of the stack's API that checks all its traffic
// against the OpenAPI document the API serves.
func clientFor(s *devstack.Stack) *apitest.Client { return openapicheck.Attach(apitest.New(s.URL)) }

func quiet() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

// waitForTargets waits until the worker has published its targets, so the
// api checks targets and instance types itself.
func waitForTargets(t *testing.T, api *apitest.Client) {
	t.Helper()
	apitest.Eventually(t, 30*time.Second, "targets published", func() bool {
		var l struct{ Items []map[string]any }
		api.Do(t, "GET", "/v1/targets", nil).Decode(t, &l)
		return len(l.Items) > 0
	})
}
