// Package validation checks the contract's values as the api and the worker
// accept them: names, labels and aliases, a deployment's spec (with the
// cluster's own rules, read from the libraries it uses), a target
// registration and a routing setting. A failure is an events.FieldErrors
// naming every offending field.
package validation

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	k8svalidation "k8s.io/apimachinery/pkg/util/validation"

	"slipway.dev/pkg/events"
)

// Limits on names and values; deployment names are shorter than a DNS label
// because the Kubernetes object name adds a suffix (see kube.ObjectName).
const (
	MaxDeploymentNameLen = 40
	MaxReplicas          = 500
	MaxKeepWarm          = 5
	MaxAliasLen          = 30
	maxImageLen          = 512
	maxAnnotationLen     = 64 << 10
)

var (
	dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	intOrPct = regexp.MustCompile(`^[0-9]{1,4}%?$`)
	// dnsSubdom is for routing's names (routing.go).
	dnsSubdom = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`)
)

type validator struct{ errs events.FieldErrors }

func (v *validator) add(field, format string, args ...any) {
	v.errs = append(v.errs, events.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) err() error {
	if len(v.errs) == 0 {
		return nil
	}
	return v.errs
}

// Name checks a DNS-1123 label of at most max characters.
func Name(field, name string, max int) *events.FieldError {
	switch {
	case name == "":
		return &events.FieldError{Field: field, Message: "is required"}
	case len(name) > max:
		return &events.FieldError{Field: field, Message: fmt.Sprintf("must be at most %d characters", max)}
	case !dnsLabel.MatchString(name):
		return &events.FieldError{Field: field, Message: "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit"}
	}
	return nil
}

// Labels checks label keys (qualified names) and values as
// Kubernetes does.
func Labels(field string, labels map[string]string) events.FieldErrors {
	var v validator
	for k, val := range labels {
		if msgs := k8svalidation.IsQualifiedName(k); len(msgs) > 0 {
			v.add(field+"."+k, "is not a valid label key: %s", messages(msgs))
		}
		if msgs := k8svalidation.IsValidLabelValue(val); len(msgs) > 0 {
			v.add(field+"."+k, "is not a valid label value: %s", messages(msgs))
		}
	}
	return v.errs
}

// Spec checks the spec's static rules; field names are prefixed with "spec.".
func Spec(s events.Spec) error {
	var v validator
	validateImage(s, &v)
	validateScaling(s, &v)
	validateEnv(s, &v)
	validateEndpoints(s, &v)
	validateStrategy(s, &v)
	validateCredentials(s, &v)
	validateText(&v, textFields(s))
	if s.Port < 0 || s.Port > 65535 {
		v.add("spec.port", "must be between 1 and 65535")
	}
	for name, p := range map[string]*events.Probe{"readinessProbe": s.Readiness, "livenessProbe": s.Liveness} {
		if p != nil {
			validateHTTPPath(&v, "spec."+name+".path", p.Path)
		}
		if p != nil && (p.InitialDelaySeconds < 0 || p.PeriodSeconds < 0 || p.TimeoutSeconds < 0 || p.FailureThreshold < 0) {
			v.add("spec."+name, "durations and thresholds must not be negative")
		}
	}
	validateAnnotations(&v, s.PodAnnotations)
	for k, val := range s.PodAnnotations {
		if len(val) > maxAnnotationLen {
			v.add("spec.podAnnotations."+k, "value must be at most %d bytes", maxAnnotationLen)
		}
	}
	if s.KeepWarm < 0 || s.KeepWarm > MaxKeepWarm {
		v.add("spec.keepWarm", "must be between 0 and %d", MaxKeepWarm)
	}
	if s.InstanceType != "" {
		if fe := Name("spec.instanceType", s.InstanceType, 63); fe != nil {
			v.errs = append(v.errs, *fe)
		}
	}
	return v.err()
}

func validateImage(s events.Spec, v *validator) {
	switch {
	case strings.TrimSpace(s.Image) == "":
		v.add("spec.image", "is required")
	case len(s.Image) > maxImageLen:
		v.add("spec.image", "must be at most %d characters", maxImageLen)
	case strings.ContainsAny(s.Image, " \t\n\r"):
		v.add("spec.image", "must not contain whitespace")
	default:
		validateImageRef(v, s.Image)
	}
	if s.Model != nil && s.Model.Name == "" {
		v.add("spec.model.name", "is required when model is given")
	}
}

func validateScaling(s events.Spec, v *validator) {
	if s.Replicas != nil && s.Scaling != nil {
		v.add("spec.replicas", "give either replicas or scaling, not both")
	}
	if s.Replicas != nil && (*s.Replicas < 0 || *s.Replicas > MaxReplicas) {
		v.add("spec.replicas", "must be between 0 and %d", MaxReplicas)
	}
	if sc := s.Scaling; sc != nil {
		if sc.Min < 1 || sc.Min > MaxReplicas {
			v.add("spec.scaling.min", "must be between 1 and %d", MaxReplicas)
		}
		if sc.Max < 1 || sc.Max > MaxReplicas {
			v.add("spec.scaling.max", "must be between 1 and %d", MaxReplicas)
		}
		if sc.Min > sc.Max {
			v.add("spec.scaling.min", "must not be greater than scaling.max (%d)", sc.Max)
		}
		if sc.TargetCPUPercent < 0 || sc.TargetCPUPercent > 100 {
			v.add("spec.scaling.targetCPUPercent", "must be between 1 and 100")
		}
	}
}

func validateEnv(s events.Spec, v *validator) {
	for k := range s.Env {
		if validateEnvName(v, "spec.env."+k, k) && LooksSecret(k) {
			v.add("spec.env."+k, "looks like a secret: %s", secretsPointer(k))
		}
	}
	seen := map[string]bool{}
	for i, ref := range s.Secrets {
		f := fmt.Sprintf("spec.secrets[%d]", i)
		validateEnvName(v, f+".env", ref.Env)
		if _, dup := s.Env[ref.Env]; dup || seen[ref.Env] {
			v.add(f+".env", "%s is set more than once", ref.Env)
		}
		seen[ref.Env] = true
		if msgs := k8svalidation.IsDNS1123Subdomain(ref.Name); len(msgs) > 0 {
			v.add(f+".name", "must be the name of a Kubernetes Secret: %s", messages(msgs))
		}
		if msgs := k8svalidation.IsConfigMapKey(ref.Key); len(msgs) > 0 {
			v.add(f+".key", "must be a key of the Secret: %s", messages(msgs))
		}
	}
}

func validateEndpoints(s events.Spec, v *validator) {
	seen := map[string]bool{}
	for i, ep := range s.Endpoints {
		f := fmt.Sprintf("spec.endpoints[%d]", i)
		if fe := Name(f+".name", ep.Name, 63); fe != nil {
			v.errs = append(v.errs, *fe)
		}
		if seen[ep.Name] {
			v.add(f+".name", "%s is listed twice", ep.Name)
		}
		seen[ep.Name] = true
		validateHTTPPath(v, f+".path", ep.Path)
	}
}

func validateStrategy(s events.Spec, v *validator) {
	r := s.Rollout
	if r == nil {
		return
	}
	// As Kubernetes: a surge may be above 100% (more new pods than
	// replicas at once); at most all replicas can be unavailable.
	surge, _, surgeOK := parseIntOrPercent(r.MaxSurge)
	unavail, pct, unavailOK := parseIntOrPercent(r.MaxUnavailable)
	if !surgeOK {
		v.add("spec.rollout.maxSurge", "must be a count (\"1\") or a percentage (\"25%%\")")
	}
	switch {
	case !unavailOK:
		v.add("spec.rollout.maxUnavailable", "must be a count (\"0\") or a percentage (\"25%%\")")
	case pct && unavail > 100:
		v.add("spec.rollout.maxUnavailable", "must be at most 100%%")
	}
	if surgeOK && unavailOK && r.MaxSurge != "" && r.MaxUnavailable != "" && surge == 0 && unavail == 0 {
		v.add("spec.rollout", "maxSurge and maxUnavailable must not both be 0")
	}
	if r.ProgressDeadlineSeconds != 0 && (r.ProgressDeadlineSeconds < 5 || r.ProgressDeadlineSeconds > 86400) {
		v.add("spec.rollout.progressDeadlineSeconds", "must be between 5 and 86400")
	}
	if r.BakeSeconds < 0 || r.BakeSeconds > 86400 {
		v.add("spec.rollout.bakeSeconds", "must be between 0 and 86400")
	}
	validateRolloutStrategy(r, v)
}

// parseIntOrPercent accepts "" (unset), "3" or "25%"; percent says which.
func parseIntOrPercent(s string) (n int, percent, ok bool) {
	if s == "" {
		return 0, false, true
	}
	if !intOrPct.MatchString(s) {
		return 0, false, false
	}
	n, err := strconv.Atoi(strings.TrimSuffix(s, "%"))
	return n, strings.HasSuffix(s, "%"), err == nil
}

// Alias checks an alias name: a DNS label of at most MaxAliasLen
// characters that cannot be mistaken for a per-version path (v3).
func Alias(field, alias string) *events.FieldError {
	if fe := Name(field, alias, MaxAliasLen); fe != nil {
		return fe
	}
	if versionPath.MatchString(alias) {
		return &events.FieldError{Field: field, Message: "must not look like a revision (v3): those paths serve revisions"}
	}
	return nil
}

var versionPath = regexp.MustCompile(`^v[0-9]+$`)
