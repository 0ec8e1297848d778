package events

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestAccessSubjectIsAlwaysPublishable: whatever a denied request's path
// held, its access subject has exactly owner and project tokens that NATS
// accepts for publishing, a real project keeps its readable subject, and
// different paths do not share one.
func TestAccessSubjectIsAlwaysPublishable(t *testing.T) {
	if got := AccessSubject("acme/fraud"); got != "slipway.evt.access.acme.fraud" {
		t.Errorf("a valid project: %s", got)
	}
	if got := AccessSubject(""); got != "slipway.evt.access._._" {
		t.Errorf("no project: %s", got)
	}
	seen := map[string]string{}
	for _, bad := range []string{"ac me", "ac\r\nme", "ac\tme", "*", ">", "ac.me", "ac\xffme", "ACME", "a%2Fb", strings.Repeat("a", 64), "~"} {
		for _, project := range []string{bad + "/fraud", "acme/" + bad} {
			got := AccessSubject(project)
			tokens := strings.Split(strings.TrimPrefix(got, accessEventsPrefix), ".")
			if len(tokens) != 2 || !utf8.ValidString(got) || strings.ContainsAny(got, " \t\r\n*>\x00") || tokens[0] == "" || tokens[1] == "" {
				t.Errorf("%q: subject %q is not <prefix>.<owner>.<project> of plain tokens", project, got)
			}
			if other, dup := seen[got]; dup {
				t.Errorf("%q and %q share subject %s", project, other, got)
			}
			seen[got] = project
		}
	}
}
