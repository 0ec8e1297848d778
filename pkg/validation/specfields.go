package validation

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"github.com/distribution/reference"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	k8svalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"slipway.dev/pkg/events"
)

// validateImageRef parses the image with the distribution reference
// grammar, as the kubelet does: [registry[:port]/]repository[:tag][@digest].
func validateImageRef(v *validator, image string) {
	if _, err := reference.ParseNormalizedNamed(image); err != nil {
		v.add("spec.image", "is not an image reference (%v): give [registry[:port]/]repository[:tag][@digest], "+
			"lower case, such as ghcr.io/acme/scorer:1.2 or localhost:5000/scorer@sha256:<64 hex digits>", err)
	}
}

// validateAnnotations applies Kubernetes' own rules: keys are qualified
// names (case aside) and keys and values together fit in 256 KiB.
func validateAnnotations(v *validator, annotations map[string]string) {
	for _, e := range apivalidation.ValidateAnnotations(annotations, field.NewPath("spec", "podAnnotations")) {
		if key, ok := e.BadValue.(string); ok && e.Type == field.ErrorTypeInvalid {
			v.add(e.Field+"."+key, "is not a valid annotation key: %s", e.Detail)
			continue
		}
		v.add(e.Field, "keys and values together must be at most %d bytes", apivalidation.TotalAnnotationSizeLimitB)
	}
}

// messages joins apimachinery's validation messages into one; "" when none.
func messages(msgs []string) string { return strings.Join(msgs, "; ") }

// validateHTTPPath checks a path a route or probe serves: absolute, and
// written as it goes on the wire (RFC 3986: no space, quote or other
// character that needs escaping, no query or fragment). Gateway API
// HTTPRoute paths refuse '[' and ']' as well.
func validateHTTPPath(v *validator, f, p string) {
	u, err := url.ParseRequestURI(p)
	switch {
	case !strings.HasPrefix(p, "/"):
		v.add(f, "must start with '/'")
	case err != nil || u.RawQuery != "" || u.ForceQuery || u.Host != "" || u.EscapedPath() != p || strings.ContainsAny(p, "[]"):
		v.add(f, "must be a URL path as sent (letters, digits and -._~!$&'()*+,;=:@/ or %%XX escapes; no query)")
	}
}

// text is one string field of a spec; multiline fields (env values,
// command, args, annotation values) may hold tabs and line breaks.
type text struct {
	field, value string
	multiline    bool
}

// validateText refuses control characters (NUL, BEL, ESC, DEL, ...) in
// every string field: the cluster, terminals and logs would each read
// them differently.
func validateText(v *validator, fields []text) {
	for _, t := range fields {
		for _, r := range t.value {
			if unicode.IsControl(r) && !(t.multiline && (r == '\t' || r == '\n' || r == '\r')) {
				v.add(t.field, "must not contain control characters (found %U)", r)
				break
			}
		}
	}
}

// textFields lists every string field of the spec: a field added to events.Spec
// belongs here (TestEveryStringFieldRefusesControlCharacters finds it).
func textFields(s events.Spec) []text {
	out := []text{{"spec.image", s.Image, false}, {"spec.instanceType", s.InstanceType, false}}
	if m := s.Model; m != nil {
		out = append(out, text{"spec.model.name", m.Name, false}, text{"spec.model.version", m.Version, false},
			text{"spec.model.uri", m.URI, false})
	}
	for i, c := range s.Command {
		out = append(out, text{fmt.Sprintf("spec.command[%d]", i), c, true})
	}
	for i, a := range s.Args {
		out = append(out, text{fmt.Sprintf("spec.args[%d]", i), a, true})
	}
	for i, ep := range s.Endpoints {
		f := fmt.Sprintf("spec.endpoints[%d]", i)
		out = append(out, text{f + ".name", ep.Name, false}, text{f + ".path", ep.Path, false})
	}
	for k, val := range s.Env {
		out = append(out, text{"spec.env." + k, k, false}, text{"spec.env." + k, val, true})
	}
	for i, ref := range s.Secrets {
		f := fmt.Sprintf("spec.secrets[%d]", i)
		out = append(out, text{f + ".env", ref.Env, false}, text{f + ".name", ref.Name, false},
			text{f + ".key", ref.Key, false}, text{f + ".version", ref.Version, false})
	}
	for name, p := range map[string]*events.Probe{"readinessProbe": s.Readiness, "livenessProbe": s.Liveness} {
		if p != nil {
			out = append(out, text{"spec." + name + ".path", p.Path, false})
		}
	}
	if r := s.Rollout; r != nil {
		out = append(out, text{"spec.rollout.maxSurge", r.MaxSurge, false}, text{"spec.rollout.maxUnavailable", r.MaxUnavailable, false},
			text{"spec.rollout.strategy", r.Strategy, false})
		if bg := r.BlueGreen; bg != nil {
			for i, name := range bg.Analysis {
				out = append(out, text{fmt.Sprintf("spec.rollout.blueGreen.analysis[%d]", i), name, false})
			}
		}
		for i, c := range r.Checks {
			f := fmt.Sprintf("spec.rollout.checks[%d]", i)
			out = append(out, text{f + ".name", c.Name, false}, text{f + ".query", c.Query, true},
				text{f + ".condition.operator", c.Condition.Operator, false})
		}
	}
	for k, val := range s.PodAnnotations {
		out = append(out, text{"spec.podAnnotations." + k, k, false}, text{"spec.podAnnotations." + k, val, true})
	}
	return out
}

// validateCredentials refuses credentials written where they would be
// stored and shown: env values, command, args and the model's URI.
func validateCredentials(s events.Spec, v *validator) {
	for k, val := range s.Env {
		if kind := CredentialIn(val); kind != "" && !LooksSecret(k) {
			v.add("spec.env."+k, "holds what looks like %s: %s", kind, secretsPointer(k))
		}
	}
	for name, list := range map[string][]string{"command": s.Command, "args": s.Args} {
		for i, a := range list {
			if kind := CredentialIn(a); kind != "" {
				v.add(fmt.Sprintf("spec.%s[%d]", name, i), "holds what looks like %s: %s, and write $(ENV) here", kind, secretsPointer("ENV"))
			}
		}
	}
	if s.Model != nil {
		if kind := CredentialIn(s.Model.URI); kind != "" {
			v.add("spec.model.uri", "holds what looks like %s: the image or server must read it from spec.secrets", kind)
		}
	}
}

// validateEnvName checks an environment variable name as Kubernetes does.
func validateEnvName(v *validator, f, name string) bool {
	if msgs := k8svalidation.IsEnvVarName(name); len(msgs) > 0 {
		v.add(f, "is not a valid environment variable name: %s", messages(msgs))
		return false
	}
	return true
}
