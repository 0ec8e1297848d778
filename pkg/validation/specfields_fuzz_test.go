package validation

import (
	"encoding/json"
	"testing"
	"unicode"

	"github.com/distribution/reference"

	"slipway.dev/pkg/events"
)

// FuzzSpecValidate: whatever JSON arrives, a spec Spec accepts has an
// image the reference grammar parses and no control character outside the
// multiline fields, and no credential it recognizes in env, command or args.
func FuzzSpecValidate(f *testing.F) {
	for _, s := range []string{
		`{"image":"ghcr.io/acme/x:1","env":{"A":"b\nc"},"args":["--x"]}`,
		`{"image":"UPPER/Case:1"}`, `{"image":"a:b:c"}`, `{"image":"localhost:5000/x@sha256:` + sha256Hex + `"}`,
		`{"image":"x:1","podAnnotations":{"a\u0000":"b"}}`, `{"image":"x:1","endpoints":[{"name":"p","path":"/a b"}]}`,
		`{"image":"x:1","env":{"URL":"postgres://u:p@h/d"},"command":["sk-` + "Ab1Ab1Ab1Ab1Ab1Ab1Ab1Ab1Ab1Ab1Ab1" + `"]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s events.Spec
		if json.Unmarshal(data, &s) != nil || Spec(s) != nil {
			return
		}
		if _, err := reference.ParseNormalizedNamed(s.Image); err != nil {
			t.Fatalf("accepted image %q: %v", s.Image, err)
		}
		for _, tf := range textFields(s) {
			for _, r := range tf.value {
				if unicode.IsControl(r) && !(tf.multiline && (r == '\t' || r == '\n' || r == '\r')) {
					t.Fatalf("accepted %U in %s", r, tf.field)
				}
			}
		}
		for k, v := range s.Env {
			if LooksSecret(k) || CredentialIn(v) != "" {
				t.Fatalf("accepted a credential in spec.env.%s", k)
			}
		}
	})
}

const sha256Hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
