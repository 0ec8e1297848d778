package events

import "testing"

// TestKeyedOperationID pins the derivation with a golden value (sha256 of
// scope, NUL, key; its first 12 bytes): operation ids already answered and
// stored (Nats-Msg-Id in COMMANDS) must stay findable from their keys.
func TestKeyedOperationID(t *testing.T) {
	if got, want := KeyedOperationID("acme/fraud", "create-1"), "op-c82f693f0412e38418aeeb97"; got != want {
		t.Errorf("KeyedOperationID = %q, want %q", got, want)
	}
	if KeyedOperationID("acme/fraud", "k") == KeyedOperationID("acme/other", "k") {
		t.Error("the same key in two scopes gave one operation")
	}
}
