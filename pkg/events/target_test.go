package events

import (
	"testing"
)

func TestTargetSubjects(t *testing.T) {
	if got, ok := TargetName(TargetSubject("us-east")); !ok || got != "us-east" {
		t.Fatalf("TargetName = %q, %v", got, ok)
	}
	if _, ok := TargetName(DeploymentSubject(DeploymentRef{Owner: "a", Project: "b", Name: "c"})); ok {
		t.Fatal("a deployment subject is not a target's")
	}
	if got, ok := TargetOfEnvelopeSubject(TargetEnvelopeSubject("us-east")); !ok || got != "us-east" {
		t.Fatalf("TargetOfEnvelopeSubject = %q, %v", got, ok)
	}
}
