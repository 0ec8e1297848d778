package health

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
)

// dep is a Deployment at template revision rev whose controller observed
// its generation, with the given counts.
func dep(rev string, replicas, updated, ready, available int32) *appsv1.Deployment {
	d := &appsv1.Deployment{}
	d.Generation = 2
	d.Spec.Replicas = &replicas
	d.Spec.Template.Labels = map[string]string{kube.LabelRevision: rev}
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: updated, UpdatedReplicas: updated, ReadyReplicas: ready, AvailableReplicas: available}
	return d
}

func withCondition(d *appsv1.Deployment, status corev1.ConditionStatus, reason string) *appsv1.Deployment {
	d.Status.Conditions = append(d.Status.Conditions, appsv1.DeploymentCondition{Type: appsv1.DeploymentProgressing, Status: status, Reason: reason})
	return d
}

// surging is a rollout to rev with old pods still running.
func surging(d *appsv1.Deployment, old int32) *appsv1.Deployment {
	d.Status.Replicas += old
	d.Status.AvailableReplicas += old
	d.Status.ReadyReplicas += old
	return d
}

func failing(n int32, revs ...int) Failing { return Failing{Count: n, Revisions: revs} }

func TestClassify(t *testing.T) {
	tests := []struct {
		name     string
		s        Sample
		state    string
		reason   string
		revision int
		message  string
	}{
		{name: "missing", s: Sample{}, state: events.HealthUnavailable, reason: events.ReasonObjectMissing},
		{name: "all ready", s: Sample{Deployment: dep("3", 4, 4, 4, 4), Pods: Pods{Total: 4, Ready: 4}},
			state: events.HealthHealthy, reason: events.ReasonAllReplicasReady, revision: 3, message: "4 of 4 replicas available"},
		{name: "scaled to zero", s: Sample{Deployment: dep("3", 0, 0, 0, 0), Endpoints: Endpoints{Known: true}},
			state: events.HealthHealthy, reason: events.ReasonAllReplicasReady, revision: 3},
		{name: "none available after the rollout", s: Sample{Deployment: dep("1", 4, 4, 0, 0)},
			state: events.HealthUnavailable, reason: events.ReasonNoReadyReplicas, revision: 1},
		{name: "first rollout, nothing available yet", s: Sample{Deployment: dep("1", 4, 2, 0, 0)},
			state: events.HealthProgressing, reason: events.ReasonRolloutInProgress, revision: 1},
		{name: "first rollout whose pods crash", s: Sample{Deployment: dep("1", 2, 2, 0, 0), Pods: Pods{Total: 2, CrashLooping: failing(2, 1)}},
			state: events.HealthUnavailable, reason: events.ReasonCrashLoopBackOff, revision: 1,
			message: "CrashLoopBackOff on 2/2 pods (template revision 1); 0 of 2 replicas available"},
		{name: "rolling", s: Sample{Deployment: surging(dep("2", 4, 2, 0, 0), 4)},
			state: events.HealthProgressing, reason: events.ReasonRolloutInProgress, revision: 2},
		{name: "new pods crash while rolling", s: Sample{Deployment: surging(dep("2", 4, 1, 0, 0), 4),
			Pods: Pods{Total: 5, Ready: 4, CrashLooping: failing(1, 2)}},
			state: events.HealthDegraded, reason: events.ReasonCrashLoopBackOff, revision: 2,
			message: "CrashLoopBackOff on 1/5 pods (template revision 2); 4 of 4 replicas available"},
		{name: "old pods crash while rolling back", s: Sample{Deployment: surging(dep("1", 2, 1, 1, 1), 1),
			Pods: Pods{Total: 3, Ready: 2, CrashLooping: failing(1, 2)}},
			state: events.HealthDegraded, reason: events.ReasonCrashLoopBackOff, revision: 2},
		{name: "current revision wins among crashing revisions", s: Sample{Deployment: surging(dep("3", 2, 1, 0, 0), 2),
			Pods: Pods{Total: 3, Ready: 1, CrashLooping: failing(2, 2, 3)}},
			state: events.HealthDegraded, reason: events.ReasonCrashLoopBackOff, revision: 3},
		{name: "crash before image pull before unschedulable", s: Sample{Deployment: dep("2", 4, 4, 1, 1),
			Pods: Pods{Total: 4, Ready: 1, CrashLooping: failing(1, 2), ImagePull: failing(1, 2), Unschedulable: failing(1, 2)}},
			state: events.HealthDegraded, reason: events.ReasonCrashLoopBackOff, revision: 2},
		{name: "image pull", s: Sample{Deployment: surging(dep("2", 2, 1, 0, 0), 2), Pods: Pods{Total: 3, Ready: 2, ImagePull: failing(1, 2)}},
			state: events.HealthDegraded, reason: events.ReasonImagePullBackOff, revision: 2},
		{name: "unschedulable", s: Sample{Deployment: dep("2", 3, 3, 2, 2), Pods: Pods{Total: 3, Ready: 2, Unschedulable: failing(1, 2)}},
			state: events.HealthDegraded, reason: events.ReasonUnschedulable, revision: 2,
			message: "Unschedulable on 1/3 pods (template revision 2); 2 of 3 replicas available"},
		{name: "one down", s: Sample{Deployment: dep("2", 4, 4, 3, 3)},
			state: events.HealthDegraded, reason: events.ReasonReplicasUnready, revision: 2},
		{name: "last new pod not available yet", s: Sample{Deployment: withCondition(dep("2", 4, 4, 3, 3), corev1.ConditionTrue, "ReplicaSetUpdated")},
			state: events.HealthProgressing, reason: events.ReasonRolloutInProgress, revision: 2},
		{name: "one down after the rollout completed", s: Sample{Deployment: withCondition(dep("2", 4, 4, 3, 3), corev1.ConditionTrue, "NewReplicaSetAvailable")},
			state: events.HealthDegraded, reason: events.ReasonReplicasUnready, revision: 2},
		{name: "stuck rollout past its deadline", s: Sample{Deployment: withCondition(surging(dep("2", 4, 1, 0, 0), 3), corev1.ConditionFalse, "ProgressDeadlineExceeded")},
			state: events.HealthDegraded, reason: events.ReasonReplicasUnready, revision: 2},
		{name: "no ready endpoints", s: Sample{Deployment: dep("2", 2, 2, 2, 2), Endpoints: Endpoints{Known: true}},
			state: events.HealthUnavailable, reason: events.ReasonNoReadyEndpoints, revision: 2,
			message: "no ready endpoints; 2 of 2 replicas available"},
		{name: "endpoints unknown", s: Sample{Deployment: dep("2", 2, 2, 2, 2)},
			state: events.HealthHealthy, reason: events.ReasonAllReplicasReady, revision: 2},
		{name: "ready endpoints", s: Sample{Deployment: dep("2", 2, 2, 2, 2), Endpoints: Endpoints{Known: true, Ready: 2}},
			state: events.HealthHealthy, reason: events.ReasonAllReplicasReady, revision: 2},
		{name: "probe failing on all", s: Sample{Deployment: dep("2", 2, 2, 2, 2), Probe: &ProbeResult{Requests: 1, Failures: 1, Detail: "503"}},
			state: events.HealthUnavailable, reason: events.ReasonProbeFailing, revision: 2, message: "readiness probe failed: 503"},
		{name: "probe failing on some", s: Sample{Deployment: dep("2", 2, 2, 2, 2), Probe: &ProbeResult{Requests: 4, Failures: 1, Detail: "503"}},
			state: events.HealthDegraded, reason: events.ReasonProbeFailing, revision: 2},
		{name: "probe passing", s: Sample{Deployment: dep("2", 2, 2, 2, 2), Probe: &ProbeResult{Requests: 1}},
			state: events.HealthHealthy, reason: events.ReasonAllReplicasReady, revision: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Classify(tt.s)
			if got.State != tt.state || got.Reason != tt.reason || got.Revision != tt.revision {
				t.Fatalf("got %s/%s revision %d (%q), want %s/%s revision %d", got.State, got.Reason, got.Revision, got.Message,
					tt.state, tt.reason, tt.revision)
			}
			if tt.message != "" && got.Message != tt.message {
				t.Fatalf("message %q, want %q", got.Message, tt.message)
			}
		})
	}
}

func TestStatusEvent(t *testing.T) {
	ready := int32(2)
	s := Status{State: events.HealthDegraded, Reason: events.ReasonCrashLoopBackOff, Message: "m", Revision: 2,
		Replicas: events.Replicas{Desired: 2}, Pods: events.PodCounts{Total: 3, CrashLooping: 1}, ReadyEndpoints: &ready}
	ev := s.Event("")
	if ev.From != events.HealthUnknown || ev.To != s.State || ev.Reason != s.Reason || ev.Revision != 2 ||
		ev.Pods == nil || ev.Pods.CrashLooping != 1 || ev.ReadyEndpoints == nil || *ev.ReadyEndpoints != 2 {
		t.Fatalf("event %+v from %+v", ev, s)
	}
	if k := s.Key(); k != (Key{State: events.HealthDegraded, Reason: events.ReasonCrashLoopBackOff, Revision: 2}) {
		t.Fatalf("key %+v", k)
	}
}
