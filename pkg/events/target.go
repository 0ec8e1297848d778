package events

import (
	"fmt"
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
	// PrometheusURL is the Prometheus canaries' checks on this target query
	// (empty: the workers' global one).
	PrometheusURL string `json:"prometheusURL,omitempty"`
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
