package rollout

import (
	"testing"
	"time"

	"slipway.dev/pkg/events"
)

// baking is a deployment whose revision 1 (bake 60 s) has every replica
// available at t0+10s, followed by more history.
func baking(more ...events.Message) State {
	c := DecideCreate(State{}, create(events.Spec{Image: "img:1", Replicas: i32(2),
		Rollout: &events.Strategy{BakeSeconds: 60}}), catalog).Events[0].(events.DeploymentCreated)
	reps := events.Replicas{Desired: 2, Updated: 2, Ready: 2, Available: 2}
	msgs := []events.Message{c, events.RolloutStarted{Revision: 1, Desired: 2},
		events.RolloutBaking{Revision: 1, Replicas: reps, Until: t0.Add(70 * time.Second)}}
	return history(append(msgs, more...)...)
}

func TestProgressCompleteStartsTheBake(t *testing.T) {
	c := DecideCreate(State{}, create(events.Spec{Image: "img:1", Replicas: i32(2), Rollout: &events.Strategy{BakeSeconds: 60}}), catalog).Events[0]
	s := history(c, events.RolloutStarted{Revision: 1, Desired: 2})
	reps := events.Replicas{Desired: 2, Updated: 2, Ready: 2, Available: 2}
	got := DecideProgress(s, Observation{Revision: 1, Replicas: reps, Complete: true, Time: t0.Add(10 * time.Second)})
	want := events.RolloutBaking{Revision: 1, Replicas: reps, Until: t0.Add(70 * time.Second)}
	if len(got) != 1 || got[0].(events.RolloutBaking).Until != want.Until {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if b := baking(); b.Rollout.Phase != PhaseBaking || b.Rollout.Phase.Terminal() || b.Stable != 0 {
		t.Fatalf("while baking: phase %s, stable %d", b.Rollout.Phase, b.Stable)
	}
}

func TestDecideBake(t *testing.T) {
	crash := events.HealthChanged{From: events.HealthHealthy, To: events.HealthDegraded, Reason: events.ReasonCrashLoopBackOff,
		Message: "CrashLoopBackOff on 1/2 pods", Revision: 1}
	gone := events.HealthChanged{From: events.HealthHealthy, To: events.HealthUnavailable, Reason: events.ReasonNoReadyReplicas, Revision: 1}
	otherTemplate := crash
	otherTemplate.Revision = 7
	tests := []struct {
		name  string
		state State
		now   time.Time
		want  string // event type, "" for none
	}{
		{"still baking", baking(), t0.Add(30 * time.Second), ""},
		{"bake over", baking(), t0.Add(70 * time.Second), events.RolloutSucceeded{}.Type()},
		{"pods crash-loop", baking(crash), t0.Add(30 * time.Second), events.RolloutFailed{}.Type()},
		{"crash wins over the clock", baking(crash), t0.Add(90 * time.Second), events.RolloutFailed{}.Type()},
		{"deployment unavailable", baking(gone), t0.Add(30 * time.Second), events.RolloutFailed{}.Type()},
		{"another template's pods", baking(otherTemplate), t0.Add(30 * time.Second), ""},
		{"paused: success waits", baking(events.RolloutPaused{Revision: 1}), t0.Add(90 * time.Second), ""},
		{"paused still fails", baking(events.RolloutPaused{Revision: 1}, crash), t0.Add(90 * time.Second), events.RolloutFailed{}.Type()},
		{"not baking", history(created()), t0.Add(90 * time.Second), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DecideBake(tt.state, 1, tt.now)
			switch {
			case tt.want == "" && len(got) != 0:
				t.Fatalf("want nothing, got %+v", got)
			case tt.want != "" && (len(got) != 1 || got[0].Type() != tt.want):
				t.Fatalf("want %s, got %+v", tt.want, got)
			}
			if f, ok := firstFailed(got); ok && (f.Reason != tt.state.Rollout.Failure || f.Revision != 1) {
				t.Fatalf("failure %+v", f)
			}
		})
	}
	// A failed bake rolls back like any failed rollout (to the last stable revision).
	s := baking(crash)
	s.Apply(Event{Seq: s.LastSeq + 1, Message: DecideBake(s, 1, t0.Add(30*time.Second))[0]})
	if s.Rollout.Phase != PhaseFailed {
		t.Fatalf("phase after a failed bake: %s", s.Rollout.Phase)
	}
}

func firstFailed(msgs []events.Message) (events.RolloutFailed, bool) {
	for _, m := range msgs {
		if f, ok := m.(events.RolloutFailed); ok {
			return f, true
		}
	}
	return events.RolloutFailed{}, false
}
