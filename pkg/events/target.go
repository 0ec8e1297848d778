package events

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Target sources: where a target's definition comes from.
const (
	// TargetSourceConfig: the workers' configuration (targets file,
	// kubeconfig, in-cluster). Such a target cannot be changed or removed
	// through the API.
	TargetSourceConfig = "config"
	// TargetSourceAPI: registered through PUT /v1/targets/{target}.
	TargetSourceAPI = "api"
)

// TargetSpec is a target registered through the API: where it is, what it
// offers and how to reach it. Connection is a reference to credentials the
// workers can read, never the credentials themselves.
type TargetSpec struct {
	Name          string                  `json:"name"`
	Region        string                  `json:"region,omitempty"`
	Namespace     string                  `json:"namespace"`
	BaseURL       string                  `json:"baseURL"`
	InstanceTypes map[string]InstanceType `json:"instanceTypes"`
	Connection    TargetConnection        `json:"connection"`
	// Routing says which objects serve the target's canonical URLs, as a
	// configured target's routing does (nil: none).
	Routing *Routing `json:"routing,omitempty"`
}

// TargetConnection says how a worker reaches a target. Exactly one field is set.
type TargetConnection struct {
	// InCluster: the cluster the worker runs in, with its service account.
	InCluster bool `json:"inCluster,omitempty"`
	// KubeconfigSecret: a kubeconfig stored in a Secret of the worker's home
	// cluster, read with the worker's own credentials.
	KubeconfigSecret *SecretKeySelector `json:"kubeconfigSecret,omitempty"`
	// KubeconfigFile: a kubeconfig on the worker's filesystem (slipway dev, tests).
	KubeconfigFile string `json:"kubeconfigFile,omitempty"`
}

// SecretKeySelector names one key of one Secret.
type SecretKeySelector struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Key       string `json:"key"`
}

// String describes the connection without any secret material.
func (c TargetConnection) String() string {
	switch {
	case c.InCluster:
		return "in-cluster"
	case c.KubeconfigSecret != nil:
		s := c.KubeconfigSecret
		return fmt.Sprintf("kubeconfig in secret %s/%s key %s", s.Namespace, s.Name, s.Key)
	case c.KubeconfigFile != "":
		return "kubeconfig file " + c.KubeconfigFile
	}
	return "none"
}

// TargetStatus is a target's reachability as a worker last checked it,
// published in BucketTargetStatus. LastError never carries credentials.
type TargetStatus struct {
	Reachable     bool      `json:"reachable"`
	LastError     string    `json:"lastError,omitempty"`
	LastCheckedAt time.Time `json:"lastCheckedAt"`
	ServerVersion string    `json:"serverVersion,omitempty"`
	// CheckedBy names the worker that checked.
	CheckedBy string `json:"checkedBy,omitempty"`
}

// Reachability names a status for lists: reachable, unreachable, or
// unknown when no worker has checked yet.
func (s *TargetStatus) Reachability() string {
	switch {
	case s == nil:
		return "unknown"
	case s.Reachable:
		return "reachable"
	}
	return "unreachable"
}

var (
	regionPattern   = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	quantityPattern = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$`)
	secretKeyRegexp = regexp.MustCompile(`^[-._a-zA-Z0-9]+$`)
)

// Validate checks a target registration; field names are the request's.
func (t TargetSpec) Validate() FieldErrors {
	var fe FieldErrors
	add := func(field, msg string) { fe = append(fe, FieldError{Field: field, Message: msg}) }
	if e := ValidateName("name", t.Name, 63); e != nil {
		fe = append(fe, *e)
	}
	if t.Region != "" && !regionPattern.MatchString(t.Region) {
		add("region", "must be lowercase letters, digits and '-' (like eu-west-1)")
	}
	if e := ValidateName("namespace", t.Namespace, 63); e != nil {
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
		if e := ValidateName(field, name, 63); e != nil {
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
	fe = append(fe, t.Connection.validate("connection")...)
	return append(fe, t.Routing.Validate("routing")...)
}

func (c TargetConnection) validate(field string) FieldErrors {
	var fe FieldErrors
	set := 0
	if c.InCluster {
		set++
	}
	if c.KubeconfigSecret != nil {
		set++
		s := c.KubeconfigSecret
		if e := ValidateName(field+".kubeconfigSecret.namespace", s.Namespace, 63); e != nil {
			fe = append(fe, *e)
		}
		if e := validateSubdomain(field+".kubeconfigSecret.name", s.Name); e != nil {
			fe = append(fe, *e)
		}
		if s.Key == "" || len(s.Key) > 253 || !secretKeyRegexp.MatchString(s.Key) {
			fe = append(fe, FieldError{field + ".kubeconfigSecret.key", "must be a Secret data key: letters, digits, '-', '_' and '.'"})
		}
	}
	if c.KubeconfigFile != "" {
		set++
		if !filepath.IsAbs(c.KubeconfigFile) || strings.ContainsRune(c.KubeconfigFile, 0) {
			fe = append(fe, FieldError{field + ".kubeconfigFile", "must be an absolute path"})
		}
	}
	if set != 1 {
		fe = append(fe, FieldError{field, "must set exactly one of inCluster, kubeconfigSecret, kubeconfigFile"})
	}
	return fe
}

// validateSubdomain checks a Kubernetes object name (a DNS-1123 subdomain).
func validateSubdomain(field, name string) *FieldError {
	if name == "" {
		return &FieldError{field, "is required"}
	}
	if len(name) > 253 {
		return &FieldError{field, "must be at most 253 characters"}
	}
	for _, part := range strings.Split(name, ".") {
		if !dnsLabel.MatchString(part) {
			return &FieldError{field, "must be a DNS-1123 subdomain"}
		}
	}
	return nil
}
