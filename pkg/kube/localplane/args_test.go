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
