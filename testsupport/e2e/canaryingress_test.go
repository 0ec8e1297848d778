package e2e_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/kube"
	"slipway.dev/testsupport/e2e"
	"slipway.dev/testsupport/prometheustest"
)

const (
	nginxCanary       = "nginx.ingress.kubernetes.io/canary"
	nginxCanaryWeight = "nginx.ingress.kubernetes.io/canary-weight"
)

// canaryIngressText is the deployment's canary Ingress as the apiserver
// holds it: "canary=true weight=N -> service paths", or why there is none.
func canaryIngressText(t *testing.T, s *e2e.Stack, name string) string {
	t.Helper()
	ing, err := s.Plane.Client().NetworkingV1().Ingresses(s.Namespace).Get(t.Context(), s.ObjectName(ref(name))+"-canary", metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return "none"
	}
	if err != nil {
		return err.Error()
	}
	var backends []string
	for _, r := range ing.Spec.Rules {
		for _, p := range r.HTTP.Paths {
			backends = append(backends, p.Path+"->"+p.Backend.Service.Name)
		}
	}
	return fmt.Sprintf("canary=%s weight=%s %s", ing.Annotations[nginxCanary], ing.Annotations[nginxCanaryWeight], strings.Join(backends, ","))
}

// TestCanaryIngressNginx: on a target whose routing is ingress-nginx
// (no controller needed: the annotations are read back from the apiserver),
// a canary is a second Ingress for the main path with canary and
// canary-weight, read at every step: 10, 50, 100 with passing checks, then
// gone when the rollout succeeded; for a deployment whose check fails at
// 10%, gone at once, and the rollout rolled back. Every step's event says
// its traffic is the Ingress's.
func TestCanaryIngressNginx(t *testing.T) {
	const pass, fail = "ing-pass", "ing-fail"
	prom := prometheustest.Start(t)
	s := e2e.NewStack(t, e2e.WithRouting(`{"ingress": {"className": "nginx", "canary": "nginx"}}`), e2e.WithPrometheus(prom.URL))
	for name, canary := range map[string]prometheustest.Traffic{pass: good, fail: bad} {
		prom.Exporter.Set(prometheustest.Series{Namespace: s.Namespace, Deployment: name, Revision: "1"}, good)
		prom.Exporter.Set(prometheustest.Series{Namespace: s.Namespace, Deployment: name, Revision: "2"}, canary)
		prom.WaitFor(t, strings.NewReplacer("{{.Namespace}}", s.Namespace, "{{.Deployment}}", name, "{{.Revision}}", "2").Replace(errorRateQ), 30*time.Second)
		create(t, s, name, rolloutSpec("example.invalid/scorer:1.0", 2))
	}
	want := func(name string, w int) string {
		main := "/" + owner + "/" + project + "/" + name + "/predict"
		return fmt.Sprintf("canary=true weight=%d %s->%s", w, main, kube.VersionServiceName(s.ObjectName(ref(name)), 2))
	}
	waitIngress := func(name, want string, timeout time.Duration) {
		t.Helper()
		poll(t, timeout, name+" canary Ingress "+want, func() (bool, string) {
			got := canaryIngressText(t, s, name)
			return got == want, got
		})
	}

	op := accepted(t, patch(t, s, pass, canaryPatch(weight(10), analysis(), weight(50), analysis(), weight(100), pauseFor(3)), ""))
	failOp := accepted(t, patch(t, s, fail, canaryPatch(weight(10), analysis(), weight(50)), ""))
	for _, w := range []int{10, 50, 100} {
		waitIngress(pass, want(pass, w), 60*time.Second)
		if got := mainTemplate(t, s, pass); got != "1" {
			t.Fatalf("at weight %d the main Deployment runs template %s, want 1", w, got)
		}
	}
	end := finish(t, s, s.API.Do(t, http.MethodGet, "/v1/operations/"+op.ID+"?wait="+opWait, nil))
	if end.Status != "succeeded" {
		t.Fatalf("canary operation: %+v", end)
	}
	waitIngress(pass, "none", 60*time.Second)
	recs := history(t, s, pass)
	if got, want := canaryEvents(t, recs), []string{"setWeight@10", "analysis@10", "setWeight@50", "analysis@50", "setWeight@100", "pause@100", "complete@100"}; !slices.Equal(got, want) {
		t.Fatalf("canary steps %q, want %q", got, want)
	}
	for _, r := range recs {
		if r.Envelope.Type == typeCanaryStep && !strings.Contains(string(r.Envelope.Data), `"traffic":"ingress"`) {
			t.Fatalf("a step without ingress traffic: %s", r.Envelope.Data)
		}
	}
	if _, err := s.Plane.Client().NetworkingV1().Ingresses(s.Namespace).Get(t.Context(), s.ObjectName(ref(pass)), metav1.GetOptions{}); err != nil {
		t.Fatalf("the main Ingress: %v", err)
	}

	// The failing deployment: its canary Ingress was at 10 until its check
	// failed, then removed with the split.
	failed := pollHistory(t, s, fail, 60*time.Second, "the rollout failed", func(recs []bus.Record) bool {
		return slices.Contains(typesOf(recs), typeRolloutFailed)
	})
	if got := canaryEvents(t, failed); len(got) == 0 || got[0] != "setWeight@10" {
		t.Fatalf("failing canary steps %q, want it to start at 10", got)
	}
	waitIngress(fail, "none", 30*time.Second)
	end = finish(t, s, s.API.Do(t, http.MethodGet, "/v1/operations/"+failOp.ID+"?wait="+opWait, nil))
	if end.Status != "failed" || end.Reason != "AnalysisFailed" {
		t.Fatalf("failing canary operation %+v, want failed with AnalysisFailed", end)
	}
	pollDeployment(t, s, fail, 90*time.Second, "rolled back", func(d deploymentView) bool {
		return d.Revision == 3 && d.RunningRevision == 3 && d.Phase == "Running"
	})
}
