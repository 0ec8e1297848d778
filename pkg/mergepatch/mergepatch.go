// Package mergepatch applies JSON merge patches (RFC 7396).
package mergepatch

import (
	"encoding/json"
	"fmt"
)

// Apply returns doc with patch merged in: objects merge key by key, null
// removes a key, and anything else replaces the target value whole.
func Apply(doc, patch []byte) ([]byte, error) {
	var d, p any
	if len(doc) > 0 {
		if err := json.Unmarshal(doc, &d); err != nil {
			return nil, fmt.Errorf("merge patch: document: %w", err)
		}
	}
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, fmt.Errorf("merge patch: patch: %w", err)
	}
	return json.Marshal(merge(d, p))
}

func merge(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = merge(t[k], v)
	}
	return t
}
