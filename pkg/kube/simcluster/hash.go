package simcluster

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// TemplateHash is the pod-template-hash the simulator gives pods of t: 10 hex
// digits of a SHA-256 over t's JSON form with nulls, empty maps and empty
// lists dropped, so templates equal under apimachinery semantic equality
// (nil vs empty, canonical quantities) hash alike and a no-op re-apply never
// starts a rollout.
func TemplateHash(t *corev1.PodTemplateSpec) string {
	var canonical any = t
	if u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(t); err == nil {
		canonical = prune(u)
	}
	b, _ := json.Marshal(canonical) // maps marshal with sorted keys
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:10]
}

// prune drops nulls, empty maps and empty lists, recursively.
func prune(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			if e = prune(e); e != nil {
				out[k] = e
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		out := make([]any, 0, len(v))
		for _, e := range v {
			out = append(out, prune(e))
		}
		if len(out) == 0 {
			return nil
		}
		return out
	default:
		return v
	}
}
