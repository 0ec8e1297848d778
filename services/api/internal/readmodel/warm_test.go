package readmodel

import (
	"fmt"
	"strings"
	"testing"

	"slipway.dev/pkg/events"
)

func warmText(d Deployment) string {
	var parts []string
	for _, w := range d.Warm {
		urls := make([]string, len(w.URLs))
		for i, u := range w.URLs {
			urls[i] = u.URL
		}
		parts = append(parts, fmt.Sprintf("v%d[%s]", w.Revision, strings.Join(w.Serves, ",")))
	}
	return strings.Join(parts, " ")
}

// TestWarmRevisions: the deployment lists the revisions whose pods run
// (the last one rolled out, aliased ones, the last keepWarm good ones) with
// their per-version URLs; a rollout in flight, a failed revision or a cold
// one is not listed.
func TestWarmRevisions(t *testing.T) {
	c := createdEvent()
	c.Revision.Spec.KeepWarm = 1
	rev := func(n int) events.RevisionCreated {
		r := events.Revision{Number: n, Cause: events.CauseUpdated, Spec: c.Revision.Spec}
		r.Spec.Image = fmt.Sprintf("img:%d", n)
		return events.RevisionCreated{Revision: r}
	}
	steps := []struct {
		msg  events.Message
		want string
	}{
		{c, ""},
		{events.RolloutSucceeded{Revision: 1}, "v1[running]"},
		// While revision 2 rolls out, revision 1 is kept warm to outlive it.
		{rev(2), "v1[running,keepWarm]"},
		{events.RolloutSucceeded{Revision: 2}, "v2[running] v1[keepWarm]"},
		{rev(3), "v2[running,keepWarm]"},
		{events.RolloutFailed{Revision: 3, Reason: events.ReasonProgressDeadlineExceeded}, "v2[running,keepWarm]"},
		{rev(4), "v2[running,keepWarm]"},
		{events.RolloutSucceeded{Revision: 4}, "v4[running] v2[keepWarm]"},
		{events.AliasSet{Alias: "canary", Revision: 1}, "v4[running] v2[keepWarm]"},
		{events.AliasMoved{Alias: "canary", Revision: 1}, "v4[running] v2[keepWarm] v1[alias:canary]"},
		// A move in progress has no per-version path yet.
		{events.AliasSet{Alias: "stable", Revision: 2}, "v4[running] v1[alias:canary]"},
		{events.AliasMoved{Alias: "stable", Revision: 2}, "v4[running] v2[alias:stable] v1[alias:canary]"},
		{events.AliasDeleted{Alias: "canary", Revision: 1}, "v4[running] v2[alias:stable] v1[keepWarm]"},
		{events.DeploymentTerminated{Revision: 4}, ""},
	}
	var d Deployment
	for i, st := range steps {
		ProjectDeployment(&d, uint64(i+1), env(i, "op-1"), st.msg)
		if got := warmText(d); got != st.want {
			t.Fatalf("after %T (step %d): warm %q, want %q", st.msg, i, got, st.want)
		}
	}
}

func TestWarmRevisionURLs(t *testing.T) {
	var d Deployment
	ProjectDeployment(&d, 1, env(0, "op-1"), createdEvent())
	ProjectDeployment(&d, 2, env(1, "op-1"), events.RolloutSucceeded{Revision: 1})
	if len(d.Warm) != 1 || len(d.Warm[0].URLs) != 1 || d.Warm[0].URLs[0].URL != "https://eu.example/acme/fraud/scorer/v1/predict" {
		t.Fatalf("warm: %+v", d.Warm)
	}
}
