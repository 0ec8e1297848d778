package driver

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	kubefake "k8s.io/client-go/kubernetes/fake"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/history/historytest"
)

// fakeProvider answers every query with value, or err; it counts queries.
type fakeProvider struct {
	mu      sync.Mutex
	value   float64
	err     error
	queries int
}

func (p *fakeProvider) Query(context.Context, string, time.Time) (float64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queries++
	return p.value, p.err
}

// canaryRevision is revision n with a canary strategy: weight 50, an
// analysis of one check (1 s interval, count 2, no failure allowed), then
// the end.
func canaryRevision(n int, image string, template int) events.Revision {
	r := revision(n, image)
	fifty := int32(50)
	r.Spec.Replicas = ptr(int32(2))
	r.Spec.Rollout.Strategy = events.StrategyCanary
	r.Spec.Rollout.Steps = []events.CanaryStep{{SetWeight: &fifty}, {Analysis: &events.AnalysisStep{Checks: []string{"errors"}}}}
	r.Spec.Rollout.Checks = []events.Check{{Name: "errors", Query: `errors{revision="{{.Revision}}"}`,
		Condition: events.CheckCondition{Operator: "<", Threshold: 0.05}, IntervalSeconds: 1, Count: 2}}
	r.Cause, r.TemplateRevision = events.CauseUpdated, template
	return r
}

func ptr[T any](v T) *T { return &v }

// TestDriveCanary runs a canary against a fake clientset, an in-memory
// history and a fake Prometheus, and compares what the driver did: the
// stable Deployment is never written while the steps run, the canary
// Deployment comes first, and the outcome follows the measurements.
func TestDriveCanary(t *testing.T) {
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	object := kube.ObjectName(ref.Owner, ref.Project, ref.Name)
	info := events.TargetInfo{Name: "sim", Namespace: "default", ObjectName: object}
	stable := revision(1, "img:1")
	stable.Spec.Replicas = ptr(int32(2))
	history := []events.Message{
		events.DeploymentCreated{Deployment: ref, Target: info, Revision: stable},
		events.RolloutStarted{Revision: 1, Desired: 2},
		events.RolloutSucceeded{Revision: 1},
		events.RevisionCreated{Revision: canaryRevision(2, "img:2", 0)},
	}
	canary := "patch deployments " + object + "-canary"
	main := []string{"patch services " + object, "patch deployments " + object, "delete horizontalpodautoscalers " + object}
	tests := []struct {
		name string
		// more is history a previous worker wrote before it died.
		more         []events.Message
		value        float64
		err          error
		wantActions  []string
		wantAppended []string
	}{
		{
			name: "passing checks: canary first, then the main Deployment at the end",
			// The canary at weight 50 (1 of 2), then 100 (2 of 2), then the main rollout.
			value:       0.01,
			wantActions: append([]string{canary, canary}, main...),
			wantAppended: []string{typeOf(events.RolloutStarted{}), typeOf(events.CanaryStepStarted{}), typeOf(events.CanaryStepStarted{}),
				typeOf(events.AnalysisMeasured{}), typeOf(events.AnalysisMeasured{}), typeOf(events.CanaryStepStarted{}),
				typeOf(events.RolloutSucceeded{})},
		},
		{
			name:        "a failing check: the canary is deleted, the stable Deployment never touched, rolled back",
			value:       0.2,
			wantActions: []string{canary, "delete deployments " + object + "-canary"},
			wantAppended: []string{typeOf(events.RolloutStarted{}), typeOf(events.CanaryStepStarted{}), typeOf(events.CanaryStepStarted{}),
				typeOf(events.AnalysisMeasured{}), typeOf(events.RolloutFailed{}), typeOf(events.RevisionCreated{})},
		},
		{
			name: "a worker taking over mid-analysis re-applies the step's traffic and takes only the measurement left",
			more: []events.Message{events.RolloutStarted{Revision: 2, Desired: 2, Strategy: "Canary"},
				events.CanaryStepStarted{Revision: 2, Step: 0, Steps: 2, Kind: events.StepSetWeight, Weight: 50, CanaryReplicas: 1, StableReplicas: 2},
				events.CanaryStepStarted{Revision: 2, Step: 1, Steps: 2, Kind: events.StepAnalysis, Weight: 50, CanaryReplicas: 1, StableReplicas: 2,
					Checks: []string{"errors"}},
				events.AnalysisMeasured{Revision: 2, Step: 1, Check: "errors", Phase: events.MeasurementSuccessful, Value: 0.01, At: time.Now().UTC()}},
			value:        0.01,
			wantActions:  append([]string{canary, canary}, main...),
			wantAppended: []string{typeOf(events.AnalysisMeasured{}), typeOf(events.CanaryStepStarted{}), typeOf(events.RolloutSucceeded{})},
		},
		{
			name:        "Prometheus unreachable: inconclusive pauses the canary, it never proceeds",
			err:         errors.New("connection refused"),
			wantActions: []string{canary},
			wantAppended: []string{typeOf(events.RolloutStarted{}), typeOf(events.CanaryStepStarted{}), typeOf(events.CanaryStepStarted{}),
				typeOf(events.AnalysisMeasured{}), typeOf(events.AnalysisInconclusive{})},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			client := kubefake.NewClientset()
			client.PrependReactor("get", "deployments", rolledOut(client, 2))
			h := historytest.New()
			if err := h.Add(ref, "", append(slices.Clone(history), tt.more...)...); err != nil {
				t.Fatal(err)
			}
			h.OnAppend = func(m events.Message) {
				if _, ok := m.(events.AnalysisInconclusive); ok {
					// Paused: the driver waits for a person. Give it a
					// moment to prove it does not go on, then stop it.
					time.AfterFunc(1500*time.Millisecond, cancel)
				}
			}
			targets, err := kube.NewTargets(&kube.Target{TargetConfig: kube.TargetConfig{Name: "sim", Namespace: "default"}, Client: client})
			if err != nil {
				t.Fatal(err)
			}
			prov := &fakeProvider{value: tt.value, err: tt.err}
			d := New(Options{History: h, Targets: targets, Slots: &fakeSlots{}, Log: slog.New(slog.NewJSONHandler(io.Discard, nil)),
				Resync: 20 * time.Millisecond, MaxRollouts: 1, TargetTimeout: time.Second, Analysis: prov})

			err = d.drive(ctx, ref, 2, events.Envelope{ID: "cause"})
			if err != nil && ctx.Err() == nil {
				t.Fatalf("drive: %v", err)
			}
			if got := writes(client.Actions()); !slices.Equal(got, tt.wantActions) {
				t.Errorf("client actions:\n got %q\nwant %q", got, tt.wantActions)
			}
			if got := h.AppendedTypes(); !slices.Equal(got, tt.wantAppended) {
				t.Errorf("appended:\n got %q\nwant %q", got, tt.wantAppended)
			}
			if tt.more != nil && prov.queries != 1 {
				t.Errorf("%d queries after the takeover, want 1: a recorded measurement is never taken again", prov.queries)
			}
		})
	}
}
