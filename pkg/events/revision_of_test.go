package events

import "testing"

func TestRevisionOf(t *testing.T) {
	r2 := Revision{Number: 2, Spec: Spec{Image: "x:2"}, Cause: CauseUpdated}
	for _, c := range []struct {
		name string
		msg  Message
		want Revision
		ok   bool
	}{
		{"created", DeploymentCreated{Revision: Revision{Number: 1, Cause: CauseCreated}}, Revision{Number: 1, Cause: CauseCreated}, true},
		{"revision", RevisionCreated{Revision: r2, Supersedes: 1}, r2, true},
		{"drift adopted", DriftDetected{Revision: 1, Action: DriftAdopted, Adopted: &r2}, r2, true},
		{"drift reverted", DriftDetected{Revision: 1, Action: DriftReverted}, Revision{}, false},
		{"unchanged", DeploymentUnchanged{Revision: 1}, Revision{}, false},
		{"rollout", RolloutSucceeded{Revision: 2}, Revision{}, false},
		{"command", UpdateDeployment{}, Revision{}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := RevisionOf(c.msg)
			if ok != c.ok || got.Number != c.want.Number || got.Cause != c.want.Cause || got.Spec.Image != c.want.Spec.Image {
				t.Errorf("RevisionOf = %+v, %v; want %+v, %v", got, ok, c.want, c.ok)
			}
		})
	}
}

// TestEveryRevisionMovesTheVersion: an event that makes a revision changes
// the spec, so it moves the version clients condition on.
func TestEveryRevisionMovesTheVersion(t *testing.T) {
	for _, m := range []Message{DeploymentCreated{}, RevisionCreated{}, DriftDetected{Adopted: &Revision{Number: 2}}} {
		if _, ok := RevisionOf(m); !ok || !MovesVersion(m) {
			t.Errorf("%s: RevisionOf ok=%v, MovesVersion=%v; want both", m.Type(), ok, MovesVersion(m))
		}
	}
}
