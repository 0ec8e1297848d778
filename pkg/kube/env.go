package kube

import (
	"fmt"
	"strconv"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/validation"
)

// Environment variables that say which targets a service works with.
const (
	EnvTargetsFile   = "SLIPWAY_TARGETS_FILE"
	EnvKubeconfig    = "SLIPWAY_KUBECONFIG"
	EnvInCluster     = "SLIPWAY_IN_CLUSTER"
	EnvTargetName    = "SLIPWAY_TARGET_NAME"
	EnvTargetNS      = "SLIPWAY_TARGET_NAMESPACE"
	EnvTargetBaseURL = "SLIPWAY_TARGET_BASE_URL"
	// EnvTargetRouting is the target's routing as JSON, the shape of a
	// targets file's "routing" ({"gateway": {"name": "public", "namespace":
	// "gateways"}}), or only a kind (none).
	EnvTargetRouting = "SLIPWAY_TARGET_ROUTING"
)

// TargetEnvVars lists the variables TargetConfigsFromEnv reads.
func TargetEnvVars() []string {
	return []string{EnvTargetsFile, EnvKubeconfig, EnvInCluster, EnvTargetName, EnvTargetNS, EnvTargetBaseURL, EnvTargetRouting}
}

// TargetConfigsFromEnv reads the targets: a JSON file of several, or one
// target from a kubeconfig or the in-cluster service account.
func TargetConfigsFromEnv(getenv func(string) string) ([]TargetConfig, error) {
	if path := getenv(EnvTargetsFile); path != "" {
		return LoadTargetsFile(path)
	}
	one := TargetConfig{Name: getenv(EnvTargetName), Namespace: getenv(EnvTargetNS), BaseURL: getenv(EnvTargetBaseURL),
		Kubeconfig: getenv(EnvKubeconfig)}
	if v := getenv(EnvInCluster); v != "" {
		in, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvInCluster, err)
		}
		one.InCluster = in
	}
	if one.Kubeconfig == "" && !one.InCluster {
		return nil, nil
	}
	routing, err := routingFromEnv(getenv(EnvTargetRouting))
	if err != nil {
		return nil, err
	}
	one.Routing = routing
	if one.Name == "" {
		one.Name = "default"
	}
	if one.BaseURL == "" {
		one.BaseURL = "http://" + one.Name + ".slipway.local"
	}
	return []TargetConfig{one}, nil
}

// routingFromEnv parses EnvTargetRouting: JSON, or a bare kind.
func routingFromEnv(v string) (*events.Routing, error) {
	r, err := validation.ParseRouting(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvTargetRouting, err)
	}
	return r, nil
}
