package systemtest

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/cmd/slipway/devstack"
	"slipway.dev/pkg/events"
	"slipway.dev/testsupport/apitest"
	"slipway.dev/testsupport/devstacktest"
)

// start runs a stack for t (devstacktest.Start) and returns it with a
// client of its API.
func start(t *testing.T, o devstack.Options) (*devstack.Stack, *apitest.Client) {
	t.Helper()
	s := devstacktest.Start(t, o)
	return s, devstacktest.Client(s)
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
