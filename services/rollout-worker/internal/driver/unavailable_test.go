package driver

import (
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	kubefake "k8s.io/client-go/kubernetes/fake"

	"slipway.dev/pkg/kube"
)

// TestAwaitTarget pins what keeps a rollout's recovery after an API-server
// outage short on the worker's side (issue 21): the driver probes the
// target again at a fixed interval, looking it up each time, and goes on
// with the first target that answers; it gives up with the reason only
// after its wait.
func TestAwaitTarget(t *testing.T) {
	down := &kube.Target{TargetConfig: kube.TargetConfig{Name: "sim"}, ConnectErr: errors.New("connection refused")}
	up := &kube.Target{TargetConfig: kube.TargetConfig{Name: "sim"}, Client: kubefake.NewClientset()}
	tests := []struct {
		name string
		// answers are the targets the lookups return in turn (the last
		// one from then on); nil: no target of that name.
		answers     []*kube.Target
		wait        int // in probe intervals
		wantTarget  *kube.Target
		wantLookups int
		wantCause   error
	}{
		{name: "a target that answers again is used at the next probe", answers: []*kube.Target{down, up},
			wait: 5, wantTarget: up, wantLookups: 2},
		{name: "a target still down after the wait fails the wait with its cause", answers: []*kube.Target{down},
			wantLookups: 1},
		{name: "an unknown target fails the wait", answers: []*kube.Target{nil}, wantLookups: 1, wantCause: errUnknownTarget},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			targets := &sequenceTargets{answers: tt.answers}
			d := New(Options{Targets: targets, Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), MaxRollouts: 1})
			got, err := d.awaitTarget(t.Context(), "sim", time.Duration(tt.wait)*targetRetry)
			if targets.lookups != tt.wantLookups {
				t.Errorf("%d lookups, want %d", targets.lookups, tt.wantLookups)
			}
			if tt.wantTarget != nil {
				if err != nil || got != tt.wantTarget {
					t.Fatalf("awaitTarget = %v, %v; want the answering target", got, err)
				}
				return
			}
			var unavailable *targetUnavailableError
			if !errors.As(err, &unavailable) || unavailable.target != "sim" {
				t.Fatalf("awaitTarget = %v, %v; want a *targetUnavailableError for sim", got, err)
			}
			if tt.wantCause != nil && unavailable.cause.Error() != tt.wantCause.Error() {
				t.Errorf("cause %q, want %q", unavailable.cause, tt.wantCause)
			}
		})
	}
}

// sequenceTargets answers lookups with answers in turn, repeating the last.
type sequenceTargets struct {
	answers []*kube.Target
	lookups int
}

func (s *sequenceTargets) Get(string) (*kube.Target, bool) {
	t := s.answers[min(s.lookups, len(s.answers)-1)]
	s.lookups++
	return t, t != nil
}
