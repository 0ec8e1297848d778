package validation

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"slipway.dev/pkg/events"
)

// fieldsOf returns the fields a spec's validation names, or fails.
func fieldsOf(t *testing.T, s events.Spec) []string {
	t.Helper()
	err := Spec(s)
	if err == nil {
		return nil
	}
	var fe events.FieldErrors
	if !errors.As(err, &fe) {
		t.Fatalf("Spec() = %v, want FieldErrors", err)
	}
	out := make([]string, len(fe))
	for i, e := range fe {
		out[i] = e.Field
	}
	return out
}

func wantOnly(t *testing.T, what string, got []string, field string) {
	t.Helper()
	switch {
	case field == "" && len(got) > 0:
		t.Errorf("%s: refused on %v, want accepted", what, got)
	case field != "" && (len(got) == 0 || got[0] != field):
		t.Errorf("%s: errors on %v, want one on %s", what, got, field)
	}
}

// The cluster pulls what the distribution reference grammar parses; every
// image the adversarial pass got accepted is refused.
func TestImageReferences(t *testing.T) {
	for _, c := range []struct {
		image string
		ok    bool
	}{
		{"UPPER/Case:1", false}, {"a:b:c", false}, {"::::", false}, {"@sha256:zz", false}, {"-rf/evil", false},
		{"img\x00:1", false}, {"img\a:1", false}, {"http://evil/x", false}, {"../../etc/passwd", false},
		{"x@sha256:abc", false}, {"x:tag with space", false}, {"", false},
		{"img:1", true}, {"nginx", true}, {"ghcr.io/acme/scorer:1.2", true}, {"localhost:5000/x", true},
		{"registry.example.com:8443/team/model-server:v2.0.1", true},
		{"ghcr.io/acme/x@sha256:" + strings.Repeat("a", 64), true},
		{"ghcr.io/acme/x:1@sha256:" + strings.Repeat("0123456789abcdef", 4), true},
		{"[::1]:5000/x:1", true},
	} {
		field := "spec.image"
		if c.ok {
			field = ""
		}
		wantOnly(t, "image "+c.image, fieldsOf(t, events.Spec{Image: c.image}), field)
	}
}

func TestPodAnnotations(t *testing.T) {
	for _, c := range []struct {
		name        string
		annotations map[string]string
		field       string
	}{
		{"qualified", map[string]string{"prometheus.io/scrape": "true", "sidecar.istio.io/Inject": "false"}, ""},
		{"multi-line value", map[string]string{"example.com/config": "a: 1\n\tb: 2\r\n"}, ""},
		{"space in key", map[string]string{"a b": "x"}, "spec.podAnnotations.a b"},
		{"NUL in key", map[string]string{"a\x00b": "x"}, "spec.podAnnotations.a\x00b"},
		{"empty key", map[string]string{"": "x"}, "spec.podAnnotations."},
		{"two slashes", map[string]string{"a/b/c": "x"}, "spec.podAnnotations.a/b/c"},
		{"bad prefix", map[string]string{"-x.io/a": "x"}, "spec.podAnnotations.-x.io/a"},
		{"NUL in value", map[string]string{"a": "x\x00"}, "spec.podAnnotations.a"},
		{"over 256 KiB in all", bigAnnotations(5, 60<<10), "spec.podAnnotations"},
	} {
		wantOnly(t, c.name, fieldsOf(t, events.Spec{Image: "img:1", PodAnnotations: c.annotations}), c.field)
	}
}

func bigAnnotations(n, size int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m["example.com/a"+string(rune('a'+i))] = strings.Repeat("x", size)
	}
	return m
}

func TestHTTPPaths(t *testing.T) {
	for _, c := range []struct {
		path string
		ok   bool
	}{
		{"/predict", true}, {"/v1/models/m:predict", true}, {"/a%20b", true}, {"/~user/x-y_z.json", true}, {"/", true},
		{"predict", false}, {"/a b", false}, {`/a"b`, false}, {"/a'b", true}, {"/a?x=1", false}, {"/a#f", false},
		{"/a\x00", false}, {"/a%zz", false}, {"/a[0]", false}, {"/a<b>", false}, {"/a\\b", false},
	} {
		field := "spec.endpoints[0].path"
		if c.ok {
			field = ""
		}
		wantOnly(t, "endpoint path "+c.path, fieldsOf(t, events.Spec{Image: "img:1", Endpoints: []events.Endpoint{{Name: "p", Path: c.path}}}), field)
		if c.ok {
			field = ""
		} else {
			field = "spec.readinessProbe.path"
		}
		wantOnly(t, "probe path "+c.path, fieldsOf(t, events.Spec{Image: "img:1", Readiness: &events.Probe{Path: c.path}}), field)
	}
}

// Every string field of events.Spec refuses NUL and BEL; env values, command,
// args and annotation values keep tabs and line breaks. The spec is built
// by reflection, so a string field added to events.Spec without a check fails here.
func TestEveryStringFieldRefusesControlCharacters(t *testing.T) {
	multiline := map[string]bool{"Command": true, "Args": true, "Env.value": true, "PodAnnotations.value": true, "Rollout.Checks.Query": true}
	for _, path := range stringFields(reflect.TypeOf(events.Spec{}), "") {
		for _, bad := range []string{"\x00", "\a", "\x1b", "\x7f", "\u0085"} {
			s := validSpecFor(path)
			setString(reflect.ValueOf(&s).Elem(), strings.Split(path, "."), "a"+bad)
			if got := fieldsOf(t, s); len(got) == 0 {
				t.Errorf("%s with %q: accepted", path, bad)
			}
		}
		if multiline[path] {
			s := validSpec()
			setString(reflect.ValueOf(&s).Elem(), strings.Split(path, "."), "line one\n\tline two\r\n")
			wantOnly(t, path+" with line breaks", fieldsOf(t, s), "")
		}
	}
}

// validSpecFor is validSpec, a blue-green one for the blue-green fields
// (which a canary refuses).
func validSpecFor(path string) events.Spec {
	s := validSpec()
	if strings.HasPrefix(path, "Rollout.BlueGreen") {
		s.Rollout.Strategy, s.Rollout.Steps = events.StrategyBlueGreen, nil
		s.Rollout.BlueGreen = &events.BlueGreen{Analysis: []string{"c"}}
	}
	if strings.HasPrefix(path, "Rollout.Analysis") {
		s.Rollout.Analysis = &events.RolloutAnalysis{Background: []string{"c"}}
	}
	return s
}

func validSpec() events.Spec {
	return events.Spec{Image: "img:1", Model: &events.ModelRef{Name: "m", Version: "1", URI: "s3://b/m"}, Command: []string{"serve"}, Args: []string{"--x"},
		Endpoints: []events.Endpoint{{Name: "p", Path: "/p"}}, InstanceType: "cpu", Env: map[string]string{"A": "b"},
		Secrets:   []events.SecretRef{{Env: "HF_TOKEN", Name: "hf", Key: "token", Version: "1"}},
		Readiness: &events.Probe{Path: "/r"}, Liveness: &events.Probe{Path: "/l"}, Rollout: &events.Strategy{MaxSurge: "1", MaxUnavailable: "0",
			Strategy: events.StrategyCanary, Steps: []events.CanaryStep{{Analysis: &events.AnalysisStep{Checks: []string{"c"}}}},
			Checks: []events.Check{{Name: "c", Query: "up", Condition: events.CheckCondition{Operator: "<", Threshold: 1}}}},
		PodAnnotations: map[string]string{"a": "b"}}
}

// stringFields lists the paths of every string in a type: Field,
// Field.Sub, Slice (its first element), Map.key and Map.value.
func stringFields(t reflect.Type, prefix string) []string {
	switch t.Kind() {
	case reflect.String:
		return []string{prefix}
	case reflect.Pointer, reflect.Slice:
		return stringFields(t.Elem(), prefix)
	case reflect.Map:
		return append(stringFields(t.Key(), prefix+".key"), stringFields(t.Elem(), prefix+".value")...)
	case reflect.Struct:
		var out []string
		for i := range t.NumField() {
			p := t.Field(i).Name
			if prefix != "" {
				p = prefix + "." + p
			}
			out = append(out, stringFields(t.Field(i).Type, p)...)
		}
		return out
	}
	return nil
}

// setString sets the string at path in v (a valid spec: every pointer,
// slice and map along the path holds one element).
func setString(v reflect.Value, path []string, s string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Pointer:
		setString(v.Elem(), path, s)
	case reflect.Slice:
		setString(v.Index(0), path, s)
	case reflect.Map:
		key := v.MapKeys()[0]
		val := reflect.New(v.Type().Elem()).Elem()
		val.Set(v.MapIndex(key))
		if path[0] == "key" {
			v.SetMapIndex(key, reflect.Value{})
			v.SetMapIndex(reflect.ValueOf(s), val)
			return
		}
		setString(val, path[1:], s)
		v.SetMapIndex(key, val)
	case reflect.Struct:
		setString(v.FieldByName(path[0]), path[1:], s)
	}
}
