package events

import (
	"crypto/sha256"
	"encoding/hex"
)

// KeyedOperationID is the operation id of a command sent with an
// Idempotency-Key: derived from the key within its scope (the project, or
// the target), so that every retry maps to the same operation and the
// intake's Nats-Msg-Id deduplicates it. It is part of the contract: an
// operation id a client was answered can be found again from its key.
func KeyedOperationID(scope, key string) string {
	sum := sha256.Sum256([]byte(scope + "\x00" + key))
	return "op-" + hex.EncodeToString(sum[:12])
}
