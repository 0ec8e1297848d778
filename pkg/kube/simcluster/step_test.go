package simcluster

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
)

// TestRollingUpdateInvariants rolls a steady 4-replica Deployment to a new
// template and checks, after every step, the pod ceiling (replicas+maxSurge)
// and availability floor (replicas-maxUnavailable) — and that the controller
// uses its whole budget, as the real one does.
func TestRollingUpdateInvariants(t *testing.T) {
	tests := []struct {
		name              string
		strategy          appsv1.DeploymentStrategy
		maxPods, minAvail int
	}{
		{"surge 1 unavailable 0", rolling("1", "0"), 5, 4},
		{"surge 0 unavailable 1", rolling("0", "1"), 4, 3},
		{"percent 25%/25%", rolling("25%", "25%"), 5, 3},
		{"percent 30%/30%", rolling("30%", "30%"), 6, 3},
		{"percent 10%/10%", rolling("10%", "10%"), 5, 4},
		{"both zero", rolling("0", "0"), 4, 3},
		{"unset strategy", appsv1.DeploymentStrategy{}, 5, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, newDeployment(4, tt.strategy))
			s.converge(10, nil)
			s.change(setImage("model:v2"))
			peak, low := 0, 4
			s.converge(50, func(r Result) {
				st := r.Status
				if int(st.Replicas) != len(r.Pods) {
					t.Fatalf("status.replicas %d != %d pods", st.Replicas, len(r.Pods))
				}
				if len(r.Pods) > tt.maxPods {
					t.Fatalf("%d pods, want at most %d", len(r.Pods), tt.maxPods)
				}
				if int(st.AvailableReplicas) < tt.minAvail {
					t.Fatalf("%d available, want at least %d", st.AvailableReplicas, tt.minAvail)
				}
				peak, low = max(peak, len(r.Pods)), min(low, int(st.AvailableReplicas))
			})
			if peak != tt.maxPods || low != tt.minAvail {
				t.Errorf("peak pods %d, lowest availability %d; want %d, %d", peak, low, tt.maxPods, tt.minAvail)
			}
			st := s.d.Status
			if st.Replicas != 4 || st.UpdatedReplicas != 4 || st.ReadyReplicas != 4 || st.AvailableReplicas != 4 || st.UnavailableReplicas != 0 {
				t.Errorf("final status %+v, want replicas=updated=ready=available=4", st)
			}
			if st.ObservedGeneration != s.d.Generation {
				t.Errorf("observedGeneration %d, want %d", st.ObservedGeneration, s.d.Generation)
			}
			hash := TemplateHash(&s.d.Spec.Template)
			for _, p := range s.pods {
				if p.Hash != hash {
					t.Errorf("pod %s runs old template %s", p.Name, p.Hash)
				}
			}
			assertCondition(t, st, appsv1.DeploymentProgressing, "True", ReasonNewReplicaSetAvailable)
			assertCondition(t, st, appsv1.DeploymentAvailable, "True", ReasonMinimumReplicasAvailable)
		})
	}
}

func TestRecreate(t *testing.T) {
	s := newSim(t, newDeployment(3, appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}))
	s.converge(10, nil)
	s.change(setImage("model:v2"))
	hash, sawEmpty := TemplateHash(&s.d.Spec.Template), false
	s.converge(20, func(r Result) {
		oldPods, newPods := 0, 0
		for _, p := range r.Pods {
			if p.Hash == hash {
				newPods++
			} else {
				oldPods++
			}
		}
		if oldPods > 0 && newPods > 0 {
			t.Fatalf("old (%d) and new (%d) pods coexist", oldPods, newPods)
		}
		sawEmpty = sawEmpty || len(r.Pods) == 0
	})
	if !sawEmpty {
		t.Error("new pods were created before all old pods were gone")
	}
}

func TestScaleOnlyKeepsPods(t *testing.T) {
	tests := []struct {
		name     string
		from, to int32
	}{
		{"scale up", 2, 5},
		{"scale down", 4, 1},
		{"scale to zero", 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, newDeployment(tt.from, rolling("1", "0")))
			s.converge(10, nil)
			before := names(s.pods)
			s.change(func(d *appsv1.Deployment) { *d.Spec.Replicas = tt.to })
			s.converge(10, nil)
			after := names(s.pods)
			if len(after) != int(tt.to) {
				t.Fatalf("%d pods, want %d", len(after), tt.to)
			}
			kept := 0
			for n := range after {
				if before[n] {
					kept++
				}
			}
			if want := min(tt.from, tt.to); kept != int(want) {
				t.Errorf("%d of the original pods kept, want %d (no pod may be replaced)", kept, want)
			}
		})
	}
}

func TestFirstRolloutConditions(t *testing.T) {
	s := newSim(t, newDeployment(4, rolling("25%", "25%")))
	type conds struct{ available, progressing string }
	var got []conds
	var firstTransition string
	for range 3 {
		s.step()
		a := condition(s.d.Status, appsv1.DeploymentAvailable)
		p := condition(s.d.Status, appsv1.DeploymentProgressing)
		got = append(got, conds{string(a.Status) + "/" + a.Reason, string(p.Status) + "/" + p.Reason})
		if firstTransition == "" {
			firstTransition = p.LastTransitionTime.String()
		} else if p.LastTransitionTime.String() != firstTransition {
			t.Errorf("Progressing lastTransitionTime moved while staying True")
		}
	}
	want := []conds{
		{"False/" + ReasonMinimumReplicasUnavailable, "True/" + ReasonReplicaSetUpdated},
		{"False/" + ReasonMinimumReplicasUnavailable, "True/" + ReasonReplicaSetUpdated},
		{"True/" + ReasonMinimumReplicasAvailable, "True/" + ReasonNewReplicaSetAvailable},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("step %d: conditions %+v, want %+v", i+1, got[i], want[i])
		}
	}
	if _, done, _ := RolloutStatus(s.d); !done {
		t.Error("rollout not done after ReadyAfter ticks")
	}
}

func assertCondition(t *testing.T, st appsv1.DeploymentStatus, typ appsv1.DeploymentConditionType, status, reason string) {
	t.Helper()
	c := condition(st, typ)
	if c == nil {
		t.Fatalf("no %s condition", typ)
	}
	if string(c.Status) != status || c.Reason != reason {
		t.Errorf("%s = %s/%s, want %s/%s", typ, c.Status, c.Reason, status, reason)
	}
}

// TestCrashAfter: a pod with AnnotationCrashAfterTicks is Ready as usual,
// then crash-loops from that tick on, with back-offs like any crash loop.
func TestCrashAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	annotations := map[string]string{AnnotationCrashAfterTicks: "5"}
	if FaultOf(annotations) != FaultCrashLoop || CrashAfterOf(annotations) != 5 || CrashAfterOf(map[string]string{AnnotationCrashAfterTicks: "x"}) != 0 {
		t.Fatal("annotation not read")
	}
	tests := []struct {
		age      int
		ready    bool
		restarts int32
	}{{1, false, 0}, {2, true, 0}, {4, true, 0}, {5, false, 1}, {6, false, 1}, {7, false, 2}, {11, false, 3}}
	for _, tt := range tests {
		p := settle(Pod{Fault: FaultCrashLoop, CrashAfter: 5, Age: tt.age}, 2, now)
		if p.Ready != tt.ready || p.Restarts != tt.restarts {
			t.Errorf("age %d: ready %v restarts %d, want %v %d", tt.age, p.Ready, p.Restarts, tt.ready, tt.restarts)
		}
	}
}
