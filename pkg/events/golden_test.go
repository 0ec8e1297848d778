package events

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

func int32p(n int32) *int32 { return &n }

var readyEndpoints int32 = 4

// samples holds one filled-in value of every wire type. The golden files pin
// their JSON: changing a field name breaks consumers, so it must fail here.
func samples() []Message {
	spec := Spec{
		Image: "ghcr.io/acme/fraud:1.4.2", Model: &ModelRef{Name: "fraud", Version: "1.4.2"},
		Port: 8080, Endpoints: []Endpoint{{Name: "predict", Path: "/predict"}}, Replicas: int32p(4),
		Env:     map[string]string{"LOG_LEVEL": "info"},
		Secrets: []SecretRef{{Env: "DB_PASSWORD", Name: "fraud-db", Key: "password", Version: "3"}},
		Rollout: &Strategy{MaxSurge: "1", MaxUnavailable: "0", ProgressDeadlineSeconds: 300},
	}
	ref := DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	targetSpec := TargetSpec{Name: "us-east", Region: "us-east-1", Namespace: "models", BaseURL: "https://us.models.acme.example",
		InstanceTypes: map[string]InstanceType{"gpu-a10": {CPU: "8", Memory: "32Gi", GPU: 1}},
		Connection:    TargetConnection{KubeconfigSecret: &SecretKeySelector{Namespace: "slipway", Name: "us-east-kubeconfig", Key: "config"}},
		Routing:       &Routing{Ingress: &IngressRouting{ClassName: "nginx", Rewrite: IngressRewriteNginx}}}
	reps := Replicas{Desired: 4, Updated: 2, Ready: 4, Available: 4}
	return []Message{
		CreateDeployment{Deployment: ref, Target: "eu-west", Environment: "production", Labels: map[string]string{"team": "risk"}, Spec: spec, RequestHash: "sha256:0f1e"},
		DeploymentCreated{Deployment: ref, Environment: "production", Labels: map[string]string{"team": "risk"},
			Target:   TargetInfo{Name: "eu-west", Namespace: "models", BaseURL: "https://models.acme.example", ObjectName: "scorer-1a2b3c4d"},
			Revision: Revision{Number: 1, Spec: spec, Cause: CauseCreated}},
		CommandRejected{CommandType: CreateDeployment{}.Type(), Reason: ReasonInvalidSpec, Message: "spec is invalid",
			Fields: []FieldError{{Field: "spec.replicas", Message: "must be between 0 and 500"}}},
		RolloutStarted{Revision: 2, FromRevision: 1, Desired: 4, Strategy: "RollingUpdate"},
		RolloutProgressed{Revision: 2, Replicas: reps, Conditions: []Condition{{Type: "Progressing", Status: "True", Reason: "ReplicaSetUpdated"}}},
		// Counted with the pods of every template and the surge above desired.
		RolloutProgressed{Revision: 2, Replicas: Replicas{Desired: 4, Updated: 2, Ready: 4, Available: 4, Total: 5, Surge: 1}},
		RolloutSucceeded{Revision: 2, Replicas: reps, DurationMS: 1520},
		RolloutBaking{Revision: 2, Replicas: reps, Until: time.Date(2026, 11, 24, 10, 5, 0, 0, time.UTC)},
		RolloutFailed{Revision: 2, Reason: ReasonProgressDeadlineExceeded, Message: "no progress for 300s", Replicas: reps},
		HealthChanged{From: HealthProgressing, To: HealthHealthy, Reason: ReasonAllReplicasReady, Replicas: reps},
		HealthChanged{From: HealthProgressing, To: HealthDegraded, Reason: ReasonCrashLoopBackOff, Revision: 2,
			Message: "CrashLoopBackOff on 1/4 pods (template revision 2); 4 of 4 replicas available", Replicas: reps,
			Pods: &PodCounts{Total: 5, Ready: 4, CrashLooping: 1}, ReadyEndpoints: &readyEndpoints},
		UpdateDeployment{Deployment: ref, SpecPatch: []byte(`{"image":"ghcr.io/acme/fraud:1.5.0"}`), Message: "new model", ExpectedSeq: 41},
		RevisionCreated{Revision: Revision{Number: 3, Spec: spec, Cause: CauseAutoRollback, Message: "rolled back automatically from v2", TemplateRevision: 1, RollbackOf: 1},
			Supersedes: 2, SupersededOperation: "op-2"},
		DeploymentUnchanged{Revision: 2, Message: "the spec already matches revision 2"},
		DriftDetected{Revision: 2, Object: "apps/v1 Deployment models/scorer-1a2b3c4d", Fields: []string{".spec.template.spec.containers[name=\"model\"].image"},
			Managers: []string{"kubectl-set"}, Action: DriftReverted},
		DriftDetected{Revision: 4, Object: "apps/v1 Deployment models/scorer-1a2b3c4d", Fields: []string{".spec.replicas"},
			Managers: []string{"kubectl-scale"}, Action: DriftAdopted,
			Adopted: &Revision{Number: 5, Spec: spec, Cause: CauseAdopted, Message: "adopted from the cluster", TemplateRevision: 4}},
		DriftDetected{Revision: 5, Object: "apps/v1 Deployment models/scorer-1a2b3c4d", Fields: []string{}, Deleted: true, Action: DriftReverted},
		RollbackDeployment{Deployment: ref, ToRevision: 5, Message: "bad model"},
		PlanPromotion{ID: "op-7", Source: DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer-staging"}, SourceRevision: 4, Target: ref,
			Env: map[string]string{"FEATURE_X": "off"}, UseSourceEnv: []string{"BATCH"},
			Secrets: map[string]SecretKeyRef{"OPENAI_API_KEY": {Name: "openai-prod", Key: "api-key"}}, UseSourceSecrets: []string{"HF_TOKEN"}, DryRun: true, Message: "weekly release"},
		ApplyPromotion{ID: "op-7", Target: ref},
		PromoteDeployment{Deployment: ref, Spec: spec, PromotionID: "op-7", Source: DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer-staging"},
			SourceRevision: 4, ExpectedSeq: 88, Message: "weekly release"},
		PromotionPlanned{ID: "op-7", Source: DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer-staging"}, SourceRevision: 4, Target: ref,
			TargetRevision: 9, TargetSeq: 88, DryRun: true, Missing: []string{"FEATURE_X"}, MissingSecrets: []string{"OPENAI_API_KEY"}, Plan: []byte(`{"spec":{"image":"ghcr.io/acme/fraud:2.0"}}`)},
		PromotionApplied{ID: "op-7", Target: ref},
		SetAlias{Deployment: ref, Alias: "production", Revision: 7, Message: "weekly release"},
		DeleteAlias{Deployment: ref, Alias: "canary"},
		AliasSet{Alias: "production", Revision: 7, Previous: 6, Message: "weekly release"},
		AliasSet{Alias: "production", Revision: 8, Previous: 6, SupersededRevision: 7, SupersededOperation: "op-7"},
		AliasMoved{Alias: "production", Revision: 7, Previous: 6, Warm: true},
		AliasMoveFailed{Alias: "canary", Revision: 8, Previous: 7, Reason: ReasonCrashLoopBackOff,
			Message: "the pods of revision 8 are failing: CrashLoopBackOff on 2/2 pods (template revision 8)"},
		AliasDeleted{Alias: "canary", Revision: 5},
		RoutingChanged{Kind: RoutingGateway, Reason: ReasonRoutesApplied,
			Objects: []string{"gateway.networking.k8s.io/v1 HTTPRoute models/scorer-1a2b3c4d"},
			Paths: []RoutedPath{{Path: "/acme/fraud/scorer/predict", Serves: "main", Service: "scorer-1a2b3c4d", Rewrite: "/v1/predict"},
				{Path: "/acme/fraud/scorer/production/predict", Serves: "alias:production", Service: "a-scorer-production-5e6f7a8b", Rewrite: "/v1/predict"}},
			Setting: "4d1c0e9a7b3f2a61"},
		RoutingChanged{Kind: RoutingGateway, Reason: ReasonGatewayAPIMissing,
			Message: "the cluster does not serve gateway.networking.k8s.io/v1 HTTPRoute: install the Gateway API CRDs, or set the target's routing to ingress or none"},
		TerminateDeployment{Deployment: ref, FreeName: true, Message: "retired"},
		DeploymentTerminated{Revision: 11, FreeName: true, Message: "retired", SupersededOperation: "op-11"},
		PauseRollout{Deployment: ref, Message: "checking the canary metrics"},
		ResumeRollout{Deployment: ref},
		AbortRollout{Deployment: ref, Message: "latency regression"},
		RolloutPaused{Revision: 2, Message: "checking the canary metrics"},
		RolloutQueued{Revision: 2, Target: "eu-west", Limit: 10},
		RolloutResumed{Revision: 2},
		RolloutAborted{Revision: 2, Reason: ReasonAborted, Message: "latency regression", Replicas: reps, RollbackTo: 1},
		PromoteRollout{Deployment: ref, Full: true, Message: "metrics look good"},
		CanaryStepStarted{Revision: 2, Step: 0, Steps: 4, Kind: StepSetWeight, Weight: 10, CanaryReplicas: 1, StableReplicas: 4},
		CanaryStepStarted{Revision: 2, Step: 2, Steps: 4, Kind: StepPause, Weight: 50, Mirror: 20, CanaryReplicas: 2, StableReplicas: 4, Approximated: true,
			PauseUntil: func() *time.Time { t := time.Date(2026, 11, 24, 10, 5, 0, 0, time.UTC); return &t }()},
		CanaryStepStarted{Revision: 2, Step: 1, Steps: 4, Kind: StepAnalysis, Weight: 10, CanaryReplicas: 1, StableReplicas: 4, Checks: []string{"error-rate"}},
		CanaryStepStarted{Revision: 2, Step: 0, Steps: 4, Kind: StepSetWeight, Weight: 10, CanaryReplicas: 1, StableReplicas: 4, Traffic: CanaryTrafficIngress},
		AnalysisMeasured{Revision: 2, Step: 1, Attempt: 0, Check: "error-rate", Index: 2, Phase: MeasurementFailed, Value: 0.2,
			Reason: `check "error-rate": 0.2 does not meet < 0.05`, At: time.Date(2026, 11, 24, 10, 1, 0, 0, time.UTC)},
		AnalysisInconclusive{Revision: 2, Step: 1, Check: "error-rate",
			Message: `check "error-rate": prometheus did not answer (3 inconclusive, more than the limit of 2)`},
		// Decided on an attempt's third measurement: the run's place makes the event's id.
		AnalysisInconclusive{Revision: 2, Step: 1, Attempt: 1, Check: "error-rate", Measurements: 3,
			Message: `check "error-rate": prometheus did not answer (3 inconclusive, more than the limit of 2)`},
		// A background check's (rollout.analysis.background): attempt and index are the background's own.
		AnalysisMeasured{Background: true, Revision: 2, Step: 1, Attempt: 1, Check: "error-rate", Index: 4, Phase: MeasurementSuccessful, Value: 0.01,
			Reason: `check "error-rate": 0.01 meets < 0.05`, At: time.Date(2026, 11, 24, 10, 2, 0, 0, time.UTC)},
		AnalysisInconclusive{Background: true, Revision: 2, Step: 5, Attempt: 1, Check: "error-rate", Measurements: 6,
			Message: `background analysis while baking: check "error-rate": no data (2 inconclusive, more than the limit of 1)`},
		CanaryPromoted{Revision: 2, Step: 3, Full: true, Message: "metrics look good"},
		RegisterTarget{Target: targetSpec},
		RemoveTarget{Name: "us-east"},
		TargetRegistered{Target: targetSpec},
		TargetUpdated{Target: targetSpec, Changed: []string{"baseURL", "instanceTypes", "routing"}},
		TargetRemoved{Name: "us-east"},
		TerminationCompleted{Objects: []string{"apps/v1 Deployment models/scorer-1a2b3c4d", "v1 Service models/scorer-1a2b3c4d"}},
		AccessDenied{Method: "DELETE", Route: "/v1/projects/:owner/:project/deployments/:name", Project: "acme/fraud", Deployment: "acme/fraud/scorer",
			Required: "admin", Had: "deployer", Message: "terminating a deployment needs the admin role on acme/fraud"},
		APITokenCreated{ID: "tok_7kq2m4", Name: "ci-fraud", Grants: []Grant{{Project: "acme/fraud", Role: "deployer"}},
			ExpiresAt: func() *time.Time { t := time.Date(2027, 2, 22, 0, 0, 0, 0, time.UTC); return &t }()},
		APITokenRevoked{ID: "tok_7kq2m4", Name: "ci-fraud"},
		WebhookCreated{ID: "wh_0123456789abcdef01234567", URL: "https://hooks.acme.example/slipway", Events: []string{"slipway.deployment.rollout_*"}, Project: "acme/fraud"},
		WebhookDeleted{ID: "wh_0123456789abcdef01234567", URL: "https://hooks.acme.example/slipway", Project: "acme/fraud"},
		WebhookRedelivered{ID: "wh_0123456789abcdef01234567", DeliveryID: "msg_4f2a", URL: "https://hooks.acme.example/slipway", Project: "acme/fraud"},
	}
}

func TestGoldenJSON(t *testing.T) {
	seen := map[string]bool{}
	count := map[string]int{}
	for _, msg := range samples() {
		count[msg.Type()]++
		name := msg.Type()
		if n := count[msg.Type()]; n > 1 {
			name = fmt.Sprintf("%s.%d", msg.Type(), n) // a second sample of the same type
		}
		t.Run(name, func(t *testing.T) {
			seen[msg.Type()] = true
			env, err := Wrap(msg, Meta{ID: "evt-1", Source: "/slipway/test", Subject: "acme/fraud/scorer",
				Time: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC), Actor: "user:ada", CorrelationID: "op-1", CausationID: "cmd-1",
				TraceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(env, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", name+".json")
			if *update {
				if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden (run go test -update): %v", err)
			}
			if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
				t.Fatalf("JSON of %s changed:\n got %s\nwant %s", msg.Type(), got, want)
			}
			// The golden bytes must decode, and the wire bytes must decode back
			// to the same typed value.
			if fromGolden, err := Unmarshal(want); err != nil {
				t.Fatal(err)
			} else if _, err := fromGolden.Decode(); err != nil {
				t.Fatal(err)
			}
			wire, err := env.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			back, err := Unmarshal(wire)
			if err != nil {
				t.Fatal(err)
			}
			decoded, err := back.Decode()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(decoded, msg) {
				t.Fatalf("round trip of %s:\n got %#v\nwant %#v", msg.Type(), decoded, msg)
			}
		})
	}
	for _, typ := range Types() {
		if !seen[typ] {
			t.Errorf("registered type %s has no golden sample", typ)
		}
	}
}

func TestUnmarshalRejectsGarbage(t *testing.T) {
	for _, in := range []string{``, `{`, `{"specversion":"1.0"}`, `{"specversion":"0.3","type":"x","id":"1"}`} {
		if _, err := Unmarshal([]byte(in)); err == nil {
			t.Errorf("Unmarshal(%q) succeeded", in)
		}
	}
	env := Envelope{SpecVersion: "1.0", ID: "1", Type: "slipway.nope.v9", Data: []byte(`{}`)}
	if _, err := env.Decode(); err == nil {
		t.Error("decoding an unknown type succeeded")
	}
}
