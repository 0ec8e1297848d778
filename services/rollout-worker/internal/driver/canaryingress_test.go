package driver

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kubefake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/history/historytest"
	"slipway.dev/services/rollout-worker/internal/manifest"
)

// TestDriveCanaryIngress runs a canary on an ingress-nginx target against
// a fake clientset and compares what the driver wrote: the canary Ingress
// applied at each step's weight (50, then 100 at completion), every step's
// event saying its traffic is the Ingress's, and the canary Ingress gone
// when the canary ends, succeeded or failed. A worker that takes a step
// over applies its Ingress again.
func TestDriveCanaryIngress(t *testing.T) {
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	object := kube.ObjectName(ref.Owner, ref.Project, ref.Name)
	canaryIngress := manifest.CanaryIngressName(object)
	info := events.TargetInfo{Name: "sim", Namespace: "default", ObjectName: object, BaseURL: "https://models.acme.example"}
	stable := revision(1, "img:1")
	stable.Spec.Replicas = ptr(int32(2))
	history := []events.Message{
		events.DeploymentCreated{Deployment: ref, Target: info, Revision: stable},
		events.RolloutStarted{Revision: 1, Desired: 2},
		events.RolloutSucceeded{Revision: 1},
		events.RevisionCreated{Revision: canaryRevision(2, "img:2", 0)},
	}
	tests := []struct {
		name        string
		more        []events.Message
		value       float64
		wantWeights []string
		wantEnd     string // what the canary Ingress ends as: "gone"
	}{
		{name: "passing checks: 50, then 100, then gone", value: 0.01, wantWeights: []string{"50", "100"}, wantEnd: "gone"},
		{name: "a failing check: 50, then gone", value: 0.2, wantWeights: []string{"50"}, wantEnd: "gone"},
		{name: "a worker taking over at step 1 applies its weight again", value: 0.01,
			more: []events.Message{events.RolloutStarted{Revision: 2, Desired: 2, Strategy: "Canary"},
				events.CanaryStepStarted{Revision: 2, Step: 0, Steps: 2, Kind: events.StepSetWeight, Weight: 50, CanaryReplicas: 1, StableReplicas: 2,
					Traffic: events.CanaryTrafficIngress},
				events.CanaryStepStarted{Revision: 2, Step: 1, Steps: 2, Kind: events.StepAnalysis, Weight: 50, CanaryReplicas: 1, StableReplicas: 2,
					Checks: []string{"errors"}, Traffic: events.CanaryTrafficIngress}},
			wantWeights: []string{"50", "100"}, wantEnd: "gone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			client := kubefake.NewClientset()
			client.PrependReactor("get", "deployments", rolledOut(client, 2))
			weights := &weightLog{}
			client.PrependReactor("patch", "ingresses", weights.record(canaryIngress))
			h := historytest.New()
			if err := h.Add(ref, "", append(slices.Clone(history), tt.more...)...); err != nil {
				t.Fatal(err)
			}
			routing := &events.Routing{Ingress: &events.IngressRouting{Canary: events.IngressCanaryNginx}}
			targets, err := kube.NewTargets(&kube.Target{TargetConfig: kube.TargetConfig{Name: "sim", Namespace: "default",
				BaseURL: info.BaseURL, Routing: routing}, Client: client})
			if err != nil {
				t.Fatal(err)
			}
			d := New(Options{History: h, Targets: targets, Slots: &fakeSlots{}, Log: slog.New(slog.NewJSONHandler(io.Discard, nil)),
				Resync: 20 * time.Millisecond, MaxRollouts: 1, TargetTimeout: time.Second, Analysis: &fakeProvider{value: tt.value}})

			if err := d.drive(ctx, ref, 2, events.Envelope{ID: "cause"}); err != nil {
				t.Fatalf("drive: %v", err)
			}
			// What the driver's consumer does on RolloutSucceeded (and a
			// no-op after a failure, whose split ended before the rollback).
			if err := d.reconcileServing(ctx, ref); err != nil {
				t.Fatalf("after the rollout: %v", err)
			}
			if got := slices.Compact(weights.get()); !slices.Equal(got, tt.wantWeights) {
				t.Errorf("canary Ingress weights applied %q, want %q", got, tt.wantWeights)
			}
			_, err = client.NetworkingV1().Ingresses("default").Get(ctx, canaryIngress, metav1.GetOptions{})
			if tt.wantEnd == "gone" && !apierrors.IsNotFound(err) {
				t.Errorf("the canary Ingress after the canary: %v, want it deleted", err)
			}
			if _, err := client.NetworkingV1().Ingresses("default").Get(ctx, object, metav1.GetOptions{}); err != nil {
				t.Errorf("the main Ingress: %v", err)
			}
			for _, m := range h.Appended() {
				if s, ok := m.(events.CanaryStepStarted); ok && (s.Traffic != events.CanaryTrafficIngress || s.Approximated) {
					t.Errorf("step %d: traffic %q approximated %v, want ingress", s.Step, s.Traffic, s.Approximated)
				}
			}
		})
	}
}

// weightLog records the canary-weight of every apply of one Ingress.
type weightLog struct {
	mu      sync.Mutex
	weights []string
}

func (w *weightLog) record(name string) k8stesting.ReactionFunc {
	return func(action k8stesting.Action) (bool, runtime.Object, error) {
		patch, ok := action.(k8stesting.PatchAction)
		if !ok || patch.GetName() != name {
			return false, nil, nil
		}
		var ing networkingv1.Ingress
		if err := json.Unmarshal(patch.GetPatch(), &ing); err == nil {
			w.mu.Lock()
			w.weights = append(w.weights, ing.Annotations[manifest.NginxCanaryWeight])
			w.mu.Unlock()
		}
		return false, nil, nil // the tracker applies it
	}
}

func (w *weightLog) get() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.weights)
}
