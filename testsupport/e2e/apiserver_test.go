package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strconv"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/kube/localplane"
	"slipway.dev/testsupport/e2e"
	"slipway.dev/testsupport/kubeplane"
)

// apiserverOutage is how long the kube-apiserver stays down (issue 21).
const apiserverOutage = 30 * time.Second

// TestAPIServerDownMidRollout stops the kube-apiserver for 30 s while an
// update rolls out (its pods become Ready 3 s after they start, so the
// 4-pod rollout lasts about 12 s and is cut in the middle), then starts it
// again. The update's operation must end: succeeded with revision 2
// running, or failed with a reason and rolled back. Either way no command
// is lost (one revision 2, one start and one end of its rollout, every
// event once) and the cluster's Deployment matches the revision that
// settled last: image, replicas and applied revision, rolled out.
//
// It reports the recovery (METRIC recovery): from the restarted
// kube-apiserver's /readyz to the end of the rollout, with when the worker
// applied the revision again and when the rollout next changed. Measured
// (issue 21): the worker applies again within a second or two of the API
// server answering (its probe interval, targetRetry); nearly all the rest
// is the plane's kube-controller-manager, whose informers find their
// resource versions expired by the restart and relist only after
// client-go's reflector backoff, grown during the outage to [30 s, 60 s).
// No timed assertion: the figure depends on that backoff's jitter.
//
// It stops the package's shared plane's kube-apiserver: a test running at
// the same time would see the outage too (the package's tests run one at
// a time).
func TestAPIServerDownMidRollout(t *testing.T) {
	s := e2e.NewStack(t)
	const name = "outage"
	create(t, s, name, rolloutSpec("example.invalid/outage:1.0", replicas))

	op := accepted(t, patch(t, s, name, map[string]any{"message": "slow pods",
		"spec": map[string]any{"image": "example.invalid/outage:2.0",
			"podAnnotations": map[string]string{localplane.ReadyDelayAnnotation: "3s"}}}, ""))
	cs := s.Plane.Client()
	object := s.ObjectName(ref(name))
	// Stop it once revision 2 is applied and before the Kubernetes rollout
	// ends, so the outage cuts the rollout, not the wait before it.
	deadline := time.Now().Add(60 * time.Second)
	for {
		dep, err := cs.AppsV1().Deployments(s.Namespace).Get(t.Context(), object, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if dep.Annotations[kube.AnnotationRevision] == "2" {
			if done, _, _ := kubeplane.RolloutStatus(dep); done {
				t.Fatalf("the Kubernetes rollout had finished before the outage: nothing was interrupted (status %+v)", dep.Status)
			}
			t.Logf("revision 2 applied, %d of %d replicas updated: stopping the kube-apiserver for %s",
				dep.Status.UpdatedReplicas, replicas, apiserverOutage)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("revision 2 never applied: annotations %v", dep.Annotations)
		}
		time.Sleep(20 * time.Millisecond)
	}

	stopped := time.Now()
	if err := s.Plane.StopAPIServer(); err != nil {
		t.Fatal(err)
	}
	restarted := false
	t.Cleanup(func() { // the plane is shared: never leave it down
		if !restarted {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			if err := s.Plane.StartAPIServer(ctx); err != nil {
				t.Errorf("restart the kube-apiserver: %v", err)
			}
		}
	})
	if _, err := cs.AppsV1().Deployments(s.Namespace).Get(t.Context(), object, metav1.GetOptions{}); err == nil {
		t.Fatal("the kube-apiserver still answers after StopAPIServer")
	}
	time.Sleep(apiserverOutage - time.Since(stopped))
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	if err := s.Plane.StartAPIServer(ctx); err != nil {
		t.Fatal(err)
	}
	restarted = true
	back := time.Now() // the restarted kube-apiserver answers /readyz
	t.Logf("METRIC apiserver_down=%s apiserver_restart=%s", apiserverOutage, since(stopped.Add(apiserverOutage)))

	done := finish(t, s, s.API.Do(t, "GET", "/v1/operations/"+op.ID+"?wait="+opWait, nil))
	t.Logf("METRIC finished_after_restart=%s: operation %s %s %s", since(stopped.Add(apiserverOutage)), done.Status, done.Reason, done.Message)
	// Settled: its newest revision running (2, or the auto-rollback's).
	d := pollDeployment(t, s, name, 3*time.Minute, "the newest revision running", func(d deploymentView) bool {
		return d.Phase == "Running" && d.Revision == d.RunningRevision && (d.Rollout == nil || d.Rollout.Phase == "Succeeded")
	})
	switch done.Status {
	case "succeeded":
		if done.Revision != 2 || d.RunningRevision != 2 || d.Phase != "Running" {
			t.Fatalf("succeeded, yet the deployment is %+v (rollout %+v)", d, d.Rollout)
		}
	case "failed":
		// Failing is acceptable with a reason, and a deployment returned to
		// what ran before (the auto-rollback's revision running revision 1's spec).
		if done.Reason == "" || done.Message == "" {
			t.Fatalf("the update failed without a reason: %+v", done)
		}
		if d.Image != "example.invalid/outage:1.0" || d.RunningRevision <= 2 {
			t.Fatalf("the update failed (%s: %s) and the deployment is %+v (rollout %+v): not rolled back",
				done.Reason, done.Message, d, d.Rollout)
		}
	default:
		t.Fatalf("update operation: %+v, want succeeded or failed", done)
	}

	recs := history(t, s, name)
	// Where the recovery's time goes (issue 21): the driver applies the
	// revision again as soon as the API server answers its probe; the
	// Deployment then moves only once the plane's controllers watch again.
	changed, ended := recovery(t, recs, back, 2)
	t.Logf("METRIC recovery=%s (from the restarted kube-apiserver's /readyz to the end of revision 2's rollout): "+
		"the worker applied revision 2 again at %s, the rollout's first change after the restart at %s",
		ended, reapplied(t, s, 2).Sub(back).Round(time.Millisecond), changed)
	for _, c := range []struct {
		typ  string
		want int
	}{
		{typeRevisionCreated, 1},
		{typeRolloutStarted, 1},
	} {
		if got := len(find(t, recs, c.typ, 2)); got != c.want {
			t.Errorf("%d %s events for revision 2, want %d", got, c.typ, c.want)
		}
	}
	if ends := len(find(t, recs, typeRolloutSucceeded, 2)) + len(find(t, recs, typeRolloutFailed, 2)); ends != 1 {
		t.Errorf("the rollout of revision 2 ended %d times, want once", ends)
	}
	if done.Status == "failed" {
		back := find(t, recs, typeRevisionCreated, d.RunningRevision)
		if len(back) != 1 || back[0].Cause != events.CauseAutoRollback {
			t.Errorf("revision %d running after the failure is %+v, want one revision created by %s", d.RunningRevision, back, events.CauseAutoRollback)
		}
	}
	seen := map[string]uint64{}
	for _, r := range recs {
		if first, dup := seen[r.Envelope.ID]; dup {
			t.Errorf("event id %s at %d and %d", r.Envelope.ID, first, r.Seq)
		}
		seen[r.Envelope.ID] = r.Seq
	}

	// The cluster runs the revision that settled last, rolled out.
	waitCtx, waitCancel := context.WithTimeout(t.Context(), time.Minute)
	defer waitCancel()
	if err := kubeplane.WaitRollout(waitCtx, cs, s.Namespace, object); err != nil {
		t.Fatal(err)
	}
	dep, err := cs.AppsV1().Deployments(s.Namespace).Get(t.Context(), object, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	image := ""
	if c := dep.Spec.Template.Spec.Containers; len(c) > 0 {
		image = c[0].Image
	}
	if rev, _ := strconv.Atoi(dep.Annotations[kube.AnnotationRevision]); rev != d.RunningRevision || image != d.Image ||
		dep.Spec.Replicas == nil || *dep.Spec.Replicas != replicas {
		t.Errorf("the cluster runs revision %d (image %s, replicas %v); the deployment settled on revision %d (image %s, %d replicas)",
			rev, image, dep.Spec.Replicas, d.RunningRevision, d.Image, replicas)
	}
	if t.Failed() {
		t.Logf("history: %v", typesOf(recs))
	}
}

// recovery returns how long after back the revision's rollout recorded its
// first event (the driver saw the Deployment change) and its end (succeeded
// or failed), from the events' own times; -1 for none.
func recovery(t *testing.T, recs []bus.Record, back time.Time, revision int) (resumed, ended time.Duration) {
	t.Helper()
	resumed, ended = -1, -1
	for _, r := range recs {
		if r.Envelope.Time.Before(back) || decodeData(t, r).Revision != revision {
			continue
		}
		at := r.Envelope.Time.Sub(back).Round(time.Millisecond)
		if resumed < 0 {
			resumed = at
		}
		if r.Envelope.Type == typeRolloutSucceeded || r.Envelope.Type == typeRolloutFailed {
			ended = at
		}
	}
	return resumed, ended
}

// reapplied returns when a worker last logged that it applied revision
// (its "rollout applied" line); the zero time if none did.
func reapplied(t *testing.T, s *e2e.Stack, revision int) time.Time {
	t.Helper()
	var last time.Time
	for _, w := range s.Workers {
		raw, err := os.ReadFile(w.LogPath)
		if err != nil {
			t.Fatalf("read %s's log: %v", w.Name, err)
		}
		for line := range bytes.Lines(raw) {
			var l struct {
				Time     time.Time `json:"time"`
				Msg      string    `json:"msg"`
				Revision int       `json:"revision"`
			}
			if json.Unmarshal(line, &l) == nil && l.Msg == "rollout applied" && l.Revision == revision && l.Time.After(last) {
				last = l.Time
			}
		}
	}
	return last
}
