// Package specdiff computes the field-level difference between two deployment
// specs ([events.Spec]), for revision diffs and promotion plans shown to
// people ([Render]) and machines (the JSON form of [Change]).
//
// Secrets: a spec holds only references to Kubernetes Secrets
// ({"name","key","version"} under the env var they feed), never secret
// values, and Slipway never has the values. A diff therefore shows which
// reference changed (for example a new version), never what a secret contains.
package specdiff

import (
	"encoding/json"
	"sort"
	"strings"

	"slipway.dev/pkg/events"
)

// Change ops.
const (
	OpAdded   = "added"
	OpRemoved = "removed"
	OpChanged = "changed"
)

// Change is one difference between two specs.
//
// Path uses the API's JSON names: "spec.image", "spec.scaling.min",
// "spec.env.LOG_LEVEL", "spec.podAnnotations[\"prometheus.io/scrape\"]",
// "spec.secrets[DB_PASSWORD]", "spec.endpoints[predict].path". Map keys made
// only of letters, digits, "_" and "-" follow a dot; other keys are written
// ["key"], JSON-quoted. Elements of keyed lists are written [key] (quoted
// the same way when needed): secrets by env, endpoints by name.
//
// From and To are JSON values as encoding/json decodes them (string,
// float64, bool, []any, map[string]any): From is nil when Op is "added", To
// is nil when Op is "removed".
type Change struct {
	Path string `json:"path"`
	Op   string `json:"op"`
	From any    `json:"from,omitempty"`
	To   any    `json:"to,omitempty"`
}

// keyedLists are the spec's lists whose elements have identity: they are
// matched by the key field, not by position. The key field is left out of the
// values shown. A secret reference (whole) changes as a unit.
var keyedLists = map[string]struct {
	key   string
	whole bool
}{
	"spec.secrets":   {key: "env", whole: true},
	"spec.endpoints": {key: "name"},
}

// Diff returns the changes that turn from into to, sorted by path; never nil,
// so it encodes as [] when the specs are equal.
//
// Specs are compared as given (defaults are not applied; revisions already
// record them). Absent, null, empty lists, empty maps and empty objects are all
// the same "nothing": nil vs empty is no change. Objects and maps are compared
// key by key (a missing one is empty), so changes are at leaves: a scalar, a
// whole list (command, args), a secret reference, or an endpoint added or
// removed as a unit (an endpoint on both sides is compared field by field). A
// keyed list with a duplicate key on either side compares whole.
func Diff(from, to events.Spec) []Change {
	out := []Change{}
	walk(&out, "spec", normalize(unsetEmpty(toJSON(from))), normalize(unsetEmpty(toJSON(to))))
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func toJSON(s events.Spec) any {
	b, err := json.Marshal(s)
	if err != nil {
		panic("specdiff: marshal spec: " + err.Error()) // a Spec always marshals
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		panic("specdiff: unmarshal spec: " + err.Error())
	}
	return v
}

// unsetEmpty drops the spec's own fields that are the empty string: they
// are unset. The image has no omitempty, so the zero Spec a create is diffed
// against would otherwise show spec.image changed from "" while every other
// field is added. Only the top level: an env value "" is a value.
func unsetEmpty(v any) any {
	if m, ok := v.(map[string]any); ok {
		for k, e := range m {
			if e == "" {
				delete(m, k)
			}
		}
	}
	return v
}

// normalize drops nulls, empty lists and empty objects, recursively; it
// returns nil when nothing is left. Objects inside lists are cleaned but kept,
// even when empty: a list element's presence is a fact.
func normalize(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if n := normalize(e); n == nil {
				delete(v, k)
			} else {
				v[k] = n
			}
		}
		if len(v) == 0 {
			return nil
		}
	case []any:
		if len(v) == 0 {
			return nil
		}
		for _, e := range v {
			if m, ok := e.(map[string]any); ok {
				normalize(m) // cleans m in place
			}
		}
	}
	return v
}

func walk(out *[]Change, path string, a, b any) {
	if kl, ok := keyedLists[path]; ok {
		am, aok := byKey(a, kl.key)
		bm, bok := byKey(b, kl.key)
		if !aok || !bok {
			leaf(out, path, a, b)
			return
		}
		for _, k := range union(am, bm) {
			p := path + "[" + quoteKey(k) + "]"
			if kl.whole || am[k] == nil || bm[k] == nil {
				leaf(out, p, am[k], bm[k])
			} else {
				walk(out, p, am[k], bm[k])
			}
		}
		return
	}
	am, aok := object(a)
	bm, bok := object(b)
	if !aok || !bok {
		leaf(out, path, a, b)
		return
	}
	for _, k := range union(am, bm) {
		walk(out, path+field(k), am[k], bm[k])
	}
}

// leaf records a change of a value compared whole.
func leaf(out *[]Change, path string, a, b any) {
	switch {
	case a == nil && b == nil:
	case a == nil:
		*out = append(*out, Change{Path: path, Op: OpAdded, To: b})
	case b == nil:
		*out = append(*out, Change{Path: path, Op: OpRemoved, From: a})
	case !equal(a, b):
		*out = append(*out, Change{Path: path, Op: OpChanged, From: a, To: b})
	}
}

// object is v as an object; nothing counts as the empty object.
func object(v any) (map[string]any, bool) {
	if v == nil {
		return nil, true
	}
	m, ok := v.(map[string]any)
	return m, ok
}

// byKey indexes a keyed list by its key field, dropping that field from each
// element; nothing counts as the empty list. ok is false when the list is not
// a list of objects with distinct string keys.
func byKey(v any, key string) (map[string]any, bool) {
	if v == nil {
		return nil, true
	}
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	m := make(map[string]any, len(list))
	for _, e := range list {
		obj, ok := e.(map[string]any)
		if !ok {
			return nil, false
		}
		k, ok := obj[key].(string)
		if _, dup := m[k]; !ok || dup {
			return nil, false
		}
		rest := make(map[string]any, len(obj))
		for f, fv := range obj {
			if f != key {
				rest[f] = fv
			}
		}
		m[k] = rest
	}
	return m, true
}

func union(a, b map[string]any) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func equal(a, b any) bool {
	x, _ := json.Marshal(a) // maps marshal with sorted keys
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// field is the path segment of an object key: .key or ["key"].
func field(k string) string {
	if simple(k) {
		return "." + k
	}
	return "[" + encode(k) + "]"
}

// quoteKey is the bracketed key of a keyed list element.
func quoteKey(k string) string {
	if simple(k) {
		return k
	}
	return encode(k)
}

func simple(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// encode is v as compact JSON, without HTML escaping (people read it).
func encode(v any) string {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "<unencodable>"
	}
	return strings.TrimSuffix(sb.String(), "\n")
}
