package e2e_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/kube"
	"slipway.dev/testsupport/e2e"
	"slipway.dev/testsupport/gatewayapi"
	"slipway.dev/testsupport/prometheustest"
)

// The canary scenarios: the four services as processes on the local
// control plane, with the Gateway API's standard CRDs, and a real
// Prometheus (Debian's) scraping an exporter whose per-revision series the
// test sets. A revision's series carry the pod template revision, as the
// pods' slipway.dev/revision label does.

const (
	typeCanaryStep   = "slipway.deployment.canary_step_started.v1"
	typeMeasured     = "slipway.deployment.analysis_measured.v1"
	typeInconclusive = "slipway.deployment.analysis_inconclusive.v1"

	canaryLabels = `namespace="{{.Namespace}}",deployment="{{.Deployment}}",revision="{{.Revision}}"`
	errorRateQ   = `sum(rate(` + prometheustest.ErrorsTotal + `{` + canaryLabels + `}[5s])) / sum(rate(` +
		prometheustest.RequestsTotal + `{` + canaryLabels + `}[5s]))`
)

var (
	good = prometheustest.Traffic{RequestsPerSecond: 50, ErrorRatio: 0.001, Latency: 20 * time.Millisecond}
	bad  = prometheustest.Traffic{RequestsPerSecond: 50, ErrorRatio: 0.2, Latency: 20 * time.Millisecond}
)

// canaryStack is a stack with Gateway API routing and a Prometheus whose
// exporter serves the deployment's revisions 1 (stable) and 2 (canary).
func canaryStack(t *testing.T, name string, canary prometheustest.Traffic) (*e2e.Stack, *prometheustest.Prometheus, dynamic.Interface) {
	t.Helper()
	prom := prometheustest.Start(t)
	s := e2e.NewStack(t, e2e.WithRouting(`{"gateway": {"name": "public"}}`), e2e.WithPrometheus(prom.URL))
	gatewayapi.InstallT(t, s.Plane.RESTConfig())
	prom.Exporter.Set(prometheustest.Series{Namespace: s.Namespace, Deployment: name, Revision: "1"}, good)
	prom.Exporter.Set(prometheustest.Series{Namespace: s.Namespace, Deployment: name, Revision: "2"}, canary)
	prom.WaitFor(t, strings.NewReplacer("{{.Namespace}}", s.Namespace, "{{.Deployment}}", name, "{{.Revision}}", "2").Replace(errorRateQ), 30*time.Second)
	dyn, err := dynamic.NewForConfig(s.Plane.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	return s, prom, dyn
}

// canaryPatch is the update to image 2 with a canary of steps.
func canaryPatch(steps ...map[string]any) map[string]any {
	return map[string]any{"spec": map[string]any{"image": "example.invalid/scorer:2.0", "rollout": map[string]any{
		"strategy": "canary", "steps": steps,
		"checks": []any{map[string]any{"name": "error-rate", "query": errorRateQ,
			"condition": map[string]any{"operator": "<", "threshold": 0.05}, "intervalSeconds": 1, "count": 2}}}}}
}

func weight(n int) map[string]any { return map[string]any{"setWeight": n} }
func analysis() map[string]any {
	return map[string]any{"analysis": map[string]any{"checks": []any{"error-rate"}}}
}
func pauseFor(s int) map[string]any { return map[string]any{"pause": map[string]any{"seconds": s}} }
func pauseUntilPromoted() map[string]any {
	return map[string]any{"pause": map[string]any{}}
}

// mainTraffic is the HTTPRoute's main predict rule as ruleTraffic shows it.
func mainTraffic(t *testing.T, s *e2e.Stack, dyn dynamic.Interface, name string) string {
	t.Helper()
	route, err := dyn.Resource(httpRoutes).Namespace(s.Namespace).Get(t.Context(), s.ObjectName(ref(name)), metav1.GetOptions{})
	if err != nil {
		return err.Error()
	}
	rules, _, _ := unstructured.NestedSlice(route.Object, "spec", "rules")
	main := "/" + owner + "/" + project + "/" + name + "/predict"
	for _, r := range rules {
		rule := r.(map[string]any)
		if strings.Contains(fmt.Sprint(rule["matches"]), "value:"+main+"]") {
			return ruleTraffic(rule)
		}
	}
	return "no main rule"
}

// splitText is ruleTraffic's text of the main rule at weight w (of 100) to
// template 2 over template 1.
func splitText(s *e2e.Stack, name string, w int) string {
	obj := s.ObjectName(ref(name))
	return fmt.Sprintf("[%s=%d %s=%d]", kube.VersionServiceName(obj, 1), 100-w, kube.VersionServiceName(obj, 2), w)
}

func waitTraffic(t *testing.T, s *e2e.Stack, dyn dynamic.Interface, name, want string, timeout time.Duration) {
	t.Helper()
	poll(t, timeout, "main rule "+want, func() (bool, string) {
		got := mainTraffic(t, s, dyn, name)
		return got == want, got
	})
}

// canaryEvents are the history's canary steps as "kind@weight".
func canaryEvents(t *testing.T, recs []bus.Record) []string {
	t.Helper()
	var out []string
	for _, r := range recs {
		if r.Envelope.Type != typeCanaryStep {
			continue
		}
		var d struct {
			Kind   string `json:"kind"`
			Weight int    `json:"weight"`
		}
		if err := json.Unmarshal(r.Envelope.Data, &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s@%d", d.Kind, d.Weight))
	}
	return out
}

// mainTemplate is the pod template revision the main Deployment runs.
func mainTemplate(t *testing.T, s *e2e.Stack, name string) string {
	t.Helper()
	dep, err := s.Plane.Client().AppsV1().Deployments(s.Namespace).Get(t.Context(), s.ObjectName(ref(name)), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return dep.Spec.Template.Labels[kube.LabelRevision]
}

// TestCanaryPassingChecks: 10% → analysis → 50% → analysis → 100% with
// passing checks; the HTTPRoute's weights are read back at each step, the
// stable Deployment keeps revision 1 until the end, and the rollout
// succeeds with the route back on the main Service.
func TestCanaryPassingChecks(t *testing.T) {
	const name = "canary-pass"
	s, _, dyn := canaryStack(t, name, good)
	create(t, s, name, rolloutSpec("example.invalid/scorer:1.0", 2))
	began := time.Now()
	op := accepted(t, patch(t, s, name, canaryPatch(weight(10), analysis(), weight(50), analysis(), weight(100), pauseFor(3)), ""))
	for _, w := range []int{10, 50, 100} {
		waitTraffic(t, s, dyn, name, splitText(s, name, w), 60*time.Second)
		if got := mainTemplate(t, s, name); got != "1" {
			t.Fatalf("at weight %d the main Deployment runs template %s, want 1 (the stable revision untouched)", w, got)
		}
		t.Logf("METRIC canary_weight_%d=%s", w, since(began))
	}
	end := finish(t, s, s.API.Do(t, http.MethodGet, "/v1/operations/"+op.ID+"?wait="+opWait, nil))
	if end.Status != "succeeded" {
		t.Fatalf("canary operation: %+v", end)
	}
	waitTraffic(t, s, dyn, name, "["+s.ObjectName(ref(name))+"=1]", 60*time.Second)
	recs := history(t, s, name)
	if got, want := canaryEvents(t, recs), []string{"setWeight@10", "analysis@10", "setWeight@50", "analysis@50", "setWeight@100", "pause@100", "complete@100"}; !slices.Equal(got, want) {
		t.Fatalf("canary steps %q, want %q", got, want)
	}
	if n := len(find(t, recs, typeMeasured, 2)); n != 4 {
		t.Fatalf("%d measurements, want 4 (2 per analysis step)", n)
	}
	pollGone(t, s, name)
	t.Logf("METRIC canary_10_50_100=%s", since(began))
}

// pollGone waits until the canary Deployment is deleted.
func pollGone(t *testing.T, s *e2e.Stack, name string) {
	t.Helper()
	poll(t, 60*time.Second, "canary Deployment deleted", func() (bool, string) {
		_, err := s.Plane.Client().AppsV1().Deployments(s.Namespace).Get(t.Context(), s.ObjectName(ref(name))+"-canary", metav1.GetOptions{})
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
}

// TestCanaryFailingCheckRollsBack: the new revision's error rate is 20%; at
// 10% the check fails: the route goes back to the stable revision alone,
// the canary Deployment is deleted, the rollout fails naming the check, its
// value and condition, and is rolled back; the stable Deployment never ran
// the new revision.
func TestCanaryFailingCheckRollsBack(t *testing.T) {
	const name = "canary-fail"
	s, _, dyn := canaryStack(t, name, bad)
	create(t, s, name, rolloutSpec("example.invalid/scorer:1.0", 2))
	op := accepted(t, patch(t, s, name, canaryPatch(weight(10), analysis(), weight(50)), ""))
	waitTraffic(t, s, dyn, name, splitText(s, name, 10), 60*time.Second)
	// When the route is back on the stable revision alone, seen every 50 ms.
	stable := "[" + s.ObjectName(ref(name)) + "=1]"
	stableAt := make(chan time.Time, 1)
	go func() {
		for t.Context().Err() == nil {
			if mainTraffic(t, s, dyn, name) == stable {
				stableAt <- time.Now()
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	recs := pollHistory(t, s, name, 60*time.Second, "the rollout failed", func(recs []bus.Record) bool {
		return slices.Contains(typesOf(recs), typeRolloutFailed)
	})
	var back time.Time
	select {
	case back = <-stableAt:
	case <-time.After(30 * time.Second):
		t.Fatalf("the route did not go back to the stable revision within 30s of the failure: %s", mainTraffic(t, s, dyn, name))
	}
	for _, r := range recs {
		if r.Envelope.Type == typeMeasured && strings.Contains(string(r.Envelope.Data), `"phase":"Failed"`) {
			// The measurement's event time is when it was appended, just after the query.
			t.Logf("METRIC canary_first_failed_measurement_to_stable=%s", back.Sub(r.Envelope.Time).Round(time.Millisecond))
			break
		}
	}
	failed := find(t, recs, typeRolloutFailed, 2)
	if len(failed) != 1 || failed[0].Reason != "AnalysisFailed" {
		t.Fatalf("failures %+v, want one AnalysisFailed", failed)
	}
	end := finish(t, s, s.API.Do(t, http.MethodGet, "/v1/operations/"+op.ID+"?wait="+opWait, nil))
	if end.Status != "failed" || end.Reason != "AnalysisFailed" || !strings.Contains(end.Message, `check "error-rate": 0.2 does not meet < 0.05`) {
		t.Fatalf("operation %+v: want failed, AnalysisFailed, naming the check, its value and its condition", end)
	}
	d := pollDeployment(t, s, name, 90*time.Second, "rolled back", func(d deploymentView) bool {
		return d.Revision == 3 && d.RunningRevision == 3 && d.Phase == "Running"
	})
	if got := mainTemplate(t, s, name); got != "1" {
		t.Fatalf("main Deployment runs template %s after the rollback, want 1", got)
	}
	pollGone(t, s, name)
	_ = d
}

// TestCanaryPrometheusUnreachable: with Prometheus stopped, every
// measurement is inconclusive: the rollout pauses for a person and never
// succeeds; the stable revision keeps serving.
func TestCanaryPrometheusUnreachable(t *testing.T) {
	const name = "canary-noprom"
	s, prom, dyn := canaryStack(t, name, good)
	create(t, s, name, rolloutSpec("example.invalid/scorer:1.0", 2))
	prom.Stop()
	accepted(t, patch(t, s, name, canaryPatch(weight(10), analysis(), weight(100)), ""))
	pollHistory(t, s, name, 60*time.Second, "paused as inconclusive", func(recs []bus.Record) bool {
		return slices.Contains(typesOf(recs), typeInconclusive)
	})
	d := pollDeployment(t, s, name, 30*time.Second, "rollout paused", func(d deploymentView) bool {
		return d.Rollout != nil && d.Rollout.Phase == "Paused"
	})
	time.Sleep(5 * time.Second) // it stays paused: nothing proceeds by itself
	recs := history(t, s, name)
	if n := len(find(t, recs, typeRolloutSucceeded, 2)); n != 0 {
		t.Fatalf("the canary succeeded with Prometheus unreachable")
	}
	if got := canaryEvents(t, recs); !slices.Equal(got, []string{"setWeight@10", "analysis@10"}) {
		t.Fatalf("canary steps %q: it went on past the inconclusive analysis", got)
	}
	waitTraffic(t, s, dyn, name, splitText(s, name, 10), 5*time.Second)
	if got := mainTemplate(t, s, name); got != "1" {
		t.Fatalf("main Deployment template %s, want 1", got)
	}
	_ = d
}

// TestCanaryWorkerKilledResumesAtItsStep: the worker is SIGKILLed at step 2
// (a pause until promoted at 10%) and the HTTPRoute deleted behind its back;
// a new worker applies the step's weights again (never assuming them),
// appends no step twice, and the promoted canary goes on to the end.
func TestCanaryWorkerKilledResumesAtItsStep(t *testing.T) {
	const name = "canary-kill"
	s, _, dyn := canaryStack(t, name, good)
	create(t, s, name, rolloutSpec("example.invalid/scorer:1.0", 2))
	op := accepted(t, patch(t, s, name, canaryPatch(weight(10), pauseUntilPromoted(), weight(50), pauseFor(2)), ""))
	pollHistory(t, s, name, 60*time.Second, "at step 2", func(recs []bus.Record) bool {
		return slices.Equal(canaryEvents(t, recs), []string{"setWeight@10", "pause@10"})
	})
	waitTraffic(t, s, dyn, name, splitText(s, name, 10), 30*time.Second)
	s.Kill(s.Workers[0])
	if err := dyn.Resource(httpRoutes).Namespace(s.Namespace).Delete(t.Context(), s.ObjectName(ref(name)), metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	s.StartWorker()
	waitTraffic(t, s, dyn, name, splitText(s, name, 10), 60*time.Second)
	t.Logf("METRIC canary_takeover_reapplied=%s", since(began))
	if got := canaryEvents(t, history(t, s, name)); !slices.Equal(got, []string{"setWeight@10", "pause@10"}) {
		t.Fatalf("after the takeover the steps are %q, want still step 2", got)
	}
	r := s.API.Do(t, http.MethodPost, deploymentsPath()+"/"+name+"/rollout/promote?wait="+opWait, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("promote: %d %s", r.Status, r.Body)
	}
	waitTraffic(t, s, dyn, name, splitText(s, name, 50), 60*time.Second)
	end := finish(t, s, s.API.Do(t, http.MethodGet, "/v1/operations/"+op.ID+"?wait="+opWait, nil))
	if end.Status != "succeeded" {
		t.Fatalf("canary operation: %+v", end)
	}
}

// TestCanaryMirror: a mirror step puts a RequestMirror filter on the main
// rule; the end of the canary removes it.
func TestCanaryMirror(t *testing.T) {
	const name = "canary-mirror"
	s, _, dyn := canaryStack(t, name, good)
	create(t, s, name, rolloutSpec("example.invalid/scorer:1.0", 2))
	op := accepted(t, patch(t, s, name, canaryPatch(map[string]any{"mirror": 20}, pauseUntilPromoted()), ""))
	obj := s.ObjectName(ref(name))
	waitTraffic(t, s, dyn, name, splitText(s, name, 0)+" mirror "+kube.VersionServiceName(obj, 2)+"=20", 60*time.Second)
	r := s.API.Do(t, http.MethodPost, deploymentsPath()+"/"+name+"/rollout/promote?wait="+opWait, map[string]any{"full": true})
	if r.Status != http.StatusOK {
		t.Fatalf("promote --full: %d %s", r.Status, r.Body)
	}
	end := finish(t, s, s.API.Do(t, http.MethodGet, "/v1/operations/"+op.ID+"?wait="+opWait, nil))
	if end.Status != "succeeded" {
		t.Fatalf("canary operation: %+v", end)
	}
	waitTraffic(t, s, dyn, name, "["+obj+"=1]", 60*time.Second)
}

// TestBlueGreenSwitchesAfterAnalysis: a blue-green rollout runs the new
// revision at full count behind its preview path with no share of the main
// path while its analysis runs, and switches every request at once only
// after the analysis passed.
func TestBlueGreenSwitchesAfterAnalysis(t *testing.T) {
	const name = "bluegreen"
	s, _, dyn := canaryStack(t, name, good)
	create(t, s, name, rolloutSpec("example.invalid/scorer:1.0", 2))
	body := canaryPatch()
	rollout := body["spec"].(map[string]any)["rollout"].(map[string]any)
	rollout["strategy"] = "blueGreen"
	delete(rollout, "steps")
	rollout["blueGreen"] = map[string]any{"analysis": []any{"error-rate"}}
	op := accepted(t, patch(t, s, name, body, ""))
	obj := s.ObjectName(ref(name))
	waitTraffic(t, s, dyn, name, splitText(s, name, 0), 60*time.Second)
	poll(t, 30*time.Second, "the preview path", func() (bool, string) {
		route, err := dyn.Resource(httpRoutes).Namespace(s.Namespace).Get(t.Context(), obj, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		got := routePaths(route)
		return got["/"+owner+"/"+project+"/"+name+"/v2/predict"] == kube.VersionServiceName(obj, 2), fmt.Sprint(got)
	})
	preview, err := s.Plane.Client().AppsV1().Deployments(s.Namespace).Get(t.Context(), obj+"-canary", metav1.GetOptions{})
	if err != nil || preview.Spec.Replicas == nil || *preview.Spec.Replicas != 2 {
		t.Fatalf("preview Deployment: %v %+v; want it at the full 2 replicas", err, preview)
	}
	end := finish(t, s, s.API.Do(t, http.MethodGet, "/v1/operations/"+op.ID+"?wait="+opWait, nil))
	if end.Status != "succeeded" {
		t.Fatalf("blue-green operation: %+v", end)
	}
	recs := history(t, s, name)
	if got, want := canaryEvents(t, recs), []string{"setWeight@0", "analysis@0", "setWeight@100", "complete@100"}; !slices.Equal(got, want) {
		t.Fatalf("steps %q, want %q", got, want)
	}
	// Every measurement precedes the switch.
	switched, measured := 0, 0
	for i, r := range recs {
		switch {
		case r.Envelope.Type == typeMeasured:
			measured = i
		case r.Envelope.Type == typeCanaryStep && strings.Contains(string(r.Envelope.Data), `"weight":100`) && switched == 0:
			switched = i
		}
	}
	if measured == 0 || switched < measured {
		t.Fatalf("the switch (event %d) came before the last measurement (event %d)", switched, measured)
	}
	waitTraffic(t, s, dyn, name, "["+obj+"=1]", 60*time.Second)
	pollGone(t, s, name)
}
