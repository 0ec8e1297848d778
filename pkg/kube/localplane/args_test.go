package localplane

import (
	"slices"
	"strings"
	"testing"
)

// TestAuditFlags: the API server audits only when a policy is given, and
// then logs JSON to the plane's log folder without rotation.
func TestAuditFlags(t *testing.T) {
	l := layout{pki: &pkiFiles{}}
	if args := l.apiserverArgs(); slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--audit-") }) {
		t.Errorf("audit flags without a policy: %v", args)
	}
	l.auditPolicy, l.auditLog = "/p/audit-policy.yaml", "/p/logs/audit.log"
	args := l.apiserverArgs()
	for _, want := range []string{"--audit-policy-file=/p/audit-policy.yaml", "--audit-log-path=/p/logs/audit.log",
		"--audit-log-format=json", "--audit-log-maxsize=0"} {
		if !slices.Contains(args, want) {
			t.Errorf("no %s in %v", want, args)
		}
	}
}

// TestControllerQPS: the controllers keep their shipped client rate unless
// a rate is given, and then both get it with twice the burst.
func TestControllerQPS(t *testing.T) {
	l := layout{pki: &pkiFiles{}}
	hasRate := func(a string) bool { return strings.HasPrefix(a, "--kube-api-") }
	if slices.ContainsFunc(l.controllerManagerArgs(nil, 0), hasRate) || slices.ContainsFunc(l.schedulerArgs(0), hasRate) {
		t.Errorf("client rate flags at qps 0: %v %v", l.controllerManagerArgs(nil, 0), l.schedulerArgs(0))
	}
	for name, args := range map[string][]string{"controller-manager": l.controllerManagerArgs(nil, 400), "scheduler": l.schedulerArgs(400)} {
		for _, want := range []string{"--kube-api-qps=400", "--kube-api-burst=800"} {
			if !slices.Contains(args, want) {
				t.Errorf("%s: no %s in %v", name, want, args)
			}
		}
	}
}
