package validation

import (
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"slipway.dev/pkg/events"
)

var (
	regionPattern   = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	quantityPattern = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$`)
	secretKeyRegexp = regexp.MustCompile(`^[-._a-zA-Z0-9]+$`)
)

// Target checks a target registration; field names are the request's.
func Target(t events.TargetSpec) events.FieldErrors {
	var fe events.FieldErrors
	add := func(field, msg string) { fe = append(fe, events.FieldError{Field: field, Message: msg}) }
	if e := Name("name", t.Name, 63); e != nil {
		fe = append(fe, *e)
	}
	if t.Region != "" && !regionPattern.MatchString(t.Region) {
		add("region", "must be lowercase letters, digits and '-' (like eu-west-1)")
	}
	if e := Name("namespace", t.Namespace, 63); e != nil {
		fe = append(fe, *e)
	}
	if u, err := url.Parse(t.BaseURL); t.BaseURL == "" {
		add("baseURL", "is required")
	} else if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		add("baseURL", "must be an absolute http(s) URL without query or fragment")
	}
	if len(t.InstanceTypes) == 0 {
		add("instanceTypes", "must name at least one instance type")
	}
	names := make([]string, 0, len(t.InstanceTypes))
	for name := range t.InstanceTypes {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		it, field := t.InstanceTypes[name], "instanceTypes."+name
		if e := Name(field, name, 63); e != nil {
			fe = append(fe, *e)
			continue
		}
		if !quantityPattern.MatchString(it.CPU) {
			add(field+".cpu", "must be a CPU quantity like 500m or 2")
		}
		if !quantityPattern.MatchString(it.Memory) {
			add(field+".memory", "must be a memory quantity like 512Mi or 4Gi")
		}
		if it.GPU < 0 || it.GPU > 64 {
			add(field+".gpu", "must be between 0 and 64")
		}
	}
	fe = append(fe, connection(t.Connection, "connection")...)
	if e := PrometheusURL("prometheusURL", t.PrometheusURL); e != nil {
		fe = append(fe, *e)
	}
	return append(fe, Routing(t.Routing, "routing")...)
}

// PrometheusURL checks the address of a Prometheus server canaries' checks
// query ("" is none): an absolute http(s) URL, without credentials (a
// target record is readable by every caller that lists targets: secrets are
// references, never values), query or fragment.
func PrometheusURL(field, v string) *events.FieldError {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "":
		return &events.FieldError{Field: field, Message: "must be an absolute http(s) URL of a Prometheus server"}
	case u.User != nil:
		return &events.FieldError{Field: field, Message: "must not carry credentials (user:password@)"}
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return &events.FieldError{Field: field, Message: "must have no query or fragment"}
	}
	return nil
}

func connection(c events.TargetConnection, field string) events.FieldErrors {
	var fe events.FieldErrors
	set := 0
	if c.InCluster {
		set++
	}
	if c.KubeconfigSecret != nil {
		set++
		s := c.KubeconfigSecret
		if e := Name(field+".kubeconfigSecret.namespace", s.Namespace, 63); e != nil {
			fe = append(fe, *e)
		}
		if e := validateSubdomain(field+".kubeconfigSecret.name", s.Name); e != nil {
			fe = append(fe, *e)
		}
		if s.Key == "" || len(s.Key) > 253 || !secretKeyRegexp.MatchString(s.Key) {
			fe = append(fe, events.FieldError{Field: field + ".kubeconfigSecret.key", Message: "must be a Secret data key: letters, digits, '-', '_' and '.'"})
		}
	}
	if c.KubeconfigFile != "" {
		set++
		if !filepath.IsAbs(c.KubeconfigFile) || strings.ContainsRune(c.KubeconfigFile, 0) {
			fe = append(fe, events.FieldError{Field: field + ".kubeconfigFile", Message: "must be an absolute path"})
		}
	}
	if set != 1 {
		fe = append(fe, events.FieldError{Field: field, Message: "must set exactly one of inCluster, kubeconfigSecret, kubeconfigFile"})
	}
	return fe
}

// validateSubdomain checks a Kubernetes object name (a DNS-1123 subdomain).
func validateSubdomain(field, name string) *events.FieldError {
	if name == "" {
		return &events.FieldError{Field: field, Message: "is required"}
	}
	if len(name) > 253 {
		return &events.FieldError{Field: field, Message: "must be at most 253 characters"}
	}
	for _, part := range strings.Split(name, ".") {
		if !dnsLabel.MatchString(part) {
			return &events.FieldError{Field: field, Message: "must be a DNS-1123 subdomain"}
		}
	}
	return nil
}
