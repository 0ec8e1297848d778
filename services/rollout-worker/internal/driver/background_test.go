package driver

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	kubefake "k8s.io/client-go/kubernetes/fake"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/history/historytest"
)

// backgroundRevision is revision n with a canary of weight 50 then a
// timed pause, and "errors" (1 s, count 2) measured in the background.
func backgroundRevision(n int, image string, pause int32) events.Revision {
	r := canaryRevision(n, image, 0)
	fifty := int32(50)
	r.Spec.Rollout.Steps = []events.CanaryStep{{SetWeight: &fifty}, {Pause: &events.PauseStep{Seconds: pause}}}
	r.Spec.Rollout.Analysis = &events.RolloutAnalysis{Background: []string{"errors"}}
	return r
}

// TestDriveBackgroundChecks runs canaries whose only analysis is in the
// background against a fake clientset, an in-memory history and a fake
// Prometheus: a failing background check fails the rollout while it
// pauses at weight 50, exactly as a failing step does (the canary
// Deployment deleted, the stable one never written, rolled back); a passing
// one lets it finish, measured all along.
func TestDriveBackgroundChecks(t *testing.T) {
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	object := kube.ObjectName(ref.Owner, ref.Project, ref.Name)
	info := events.TargetInfo{Name: "sim", Namespace: "default", ObjectName: object}
	stable := revision(1, "img:1")
	stable.Spec.Replicas = ptr(int32(2))
	canary := "patch deployments " + object + "-canary"
	main := []string{"patch services " + object, "patch deployments " + object, "delete horizontalpodautoscalers " + object}
	tests := []struct {
		name         string
		pause        int32
		value        float64
		wantActions  []string
		wantLast     []string // the last events appended
		wantMeasured bool
	}{
		{name: "failing in the background during a pause: failed and rolled back", pause: 3600, value: 0.2,
			wantActions: []string{canary, "delete deployments " + object + "-canary"},
			wantLast:    []string{typeOf(events.AnalysisMeasured{}), typeOf(events.RolloutFailed{}), typeOf(events.RevisionCreated{})}},
		{name: "passing in the background: the canary completes", pause: 3, value: 0.01,
			wantActions: append([]string{canary, canary}, main...), wantLast: []string{typeOf(events.RolloutSucceeded{})}, wantMeasured: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			client := kubefake.NewClientset()
			client.PrependReactor("get", "deployments", rolledOut(client, 2))
			h := historytest.New()
			if err := h.Add(ref, "", events.DeploymentCreated{Deployment: ref, Target: info, Revision: stable},
				events.RolloutStarted{Revision: 1, Desired: 2}, events.RolloutSucceeded{Revision: 1},
				events.RevisionCreated{Revision: backgroundRevision(2, "img:2", tt.pause)}); err != nil {
				t.Fatal(err)
			}
			targets, err := kube.NewTargets(&kube.Target{TargetConfig: kube.TargetConfig{Name: "sim", Namespace: "default"}, Client: client})
			if err != nil {
				t.Fatal(err)
			}
			d := New(Options{History: h, Targets: targets, Slots: &fakeSlots{}, Log: slog.New(slog.NewJSONHandler(io.Discard, nil)),
				Resync: 20 * time.Millisecond, MaxRollouts: 1, TargetTimeout: time.Second, Analysis: &fakeProvider{value: tt.value}})

			if err := d.drive(ctx, ref, 2, events.Envelope{ID: "cause"}); err != nil {
				t.Fatalf("drive: %v", err)
			}
			if got := writes(client.Actions()); !slices.Equal(got, tt.wantActions) {
				t.Errorf("client actions:\n got %q\nwant %q", got, tt.wantActions)
			}
			got := h.AppendedTypes()
			if len(got) < len(tt.wantLast) || !slices.Equal(got[len(got)-len(tt.wantLast):], tt.wantLast) {
				t.Errorf("appended %q, want it to end with %q", got, tt.wantLast)
			}
			var background, failed int
			for _, m := range h.Appended() {
				switch e := m.(type) {
				case events.AnalysisMeasured:
					if !e.Background {
						t.Errorf("a step measurement %+v in a canary without analysis steps", e)
					}
					background++
				case events.RolloutFailed:
					failed++
					if e.Reason != events.ReasonAnalysisFailed || !strings.Contains(e.Message, "background analysis") {
						t.Errorf("failure %+v, want AnalysisFailed from the background analysis", e)
					}
				}
			}
			if tt.wantMeasured && background < 2 {
				t.Errorf("%d background measurements, want the checks measured all along", background)
			}
			if failed > 1 {
				t.Errorf("%d failures appended, want at most one", failed)
			}
		})
	}
}

// TestDriveTakesOverABakingCanary: a worker that takes over a canary
// rollout while it bakes (its steps done, the main Deployment on the new
// revision) bakes it to its end, measuring its background checks
// meanwhile; before, it found the rollout past its steps and left it
// baking for ever.
func TestDriveTakesOverABakingCanary(t *testing.T) {
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	object := kube.ObjectName(ref.Owner, ref.Project, ref.Name)
	info := events.TargetInfo{Name: "sim", Namespace: "default", ObjectName: object}
	stable := revision(1, "img:1")
	stable.Spec.Replicas = ptr(int32(2))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	client := kubefake.NewClientset()
	client.PrependReactor("get", "deployments", rolledOut(client, 2))
	h := historytest.New()
	if err := h.Add(ref, "", events.DeploymentCreated{Deployment: ref, Target: info, Revision: stable},
		events.RolloutStarted{Revision: 1, Desired: 2}, events.RolloutSucceeded{Revision: 1},
		events.RevisionCreated{Revision: backgroundRevision(2, "img:2", 1)},
		events.RolloutStarted{Revision: 2, Desired: 2, Strategy: "Canary"},
		events.CanaryStepStarted{Revision: 2, Step: 0, Steps: 2, Kind: events.StepSetWeight, Weight: 50, CanaryReplicas: 1, StableReplicas: 2},
		events.CanaryStepStarted{Revision: 2, Step: 1, Steps: 2, Kind: events.StepPause, Weight: 50, CanaryReplicas: 1, StableReplicas: 2},
		events.CanaryStepStarted{Revision: 2, Step: 2, Steps: 2, Kind: events.StepComplete, Weight: 100, CanaryReplicas: 2, StableReplicas: 2},
		events.RolloutBaking{Revision: 2, Until: time.Now().Add(2500 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	targets, err := kube.NewTargets(&kube.Target{TargetConfig: kube.TargetConfig{Name: "sim", Namespace: "default"}, Client: client})
	if err != nil {
		t.Fatal(err)
	}
	d := New(Options{History: h, Targets: targets, Slots: &fakeSlots{}, Log: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Resync: 20 * time.Millisecond, MaxRollouts: 1, TargetTimeout: time.Second, Analysis: &fakeProvider{value: 0.01}})
	if err := d.drive(ctx, ref, 2, events.Envelope{ID: "cause"}); err != nil {
		t.Fatalf("drive: %v", err)
	}
	got := h.AppendedTypes()
	if len(got) == 0 || got[len(got)-1] != typeOf(events.RolloutSucceeded{}) {
		t.Fatalf("appended %q, want the bake to end in success", got)
	}
	if !slices.Contains(got, typeOf(events.AnalysisMeasured{})) {
		t.Errorf("appended %q, want the background check measured while baking", got)
	}
}
