package kube

import (
	"fmt"
	"strconv"
)

// Environment variables that say which targets a service works with.
const (
	EnvTargetsFile   = "SLIPWAY_TARGETS_FILE"
	EnvKubeconfig    = "SLIPWAY_KUBECONFIG"
	EnvInCluster     = "SLIPWAY_IN_CLUSTER"
	EnvTargetName    = "SLIPWAY_TARGET_NAME"
	EnvTargetNS      = "SLIPWAY_TARGET_NAMESPACE"
	EnvTargetBaseURL = "SLIPWAY_TARGET_BASE_URL"
)

// TargetEnvVars lists the variables TargetConfigsFromEnv reads.
func TargetEnvVars() []string {
	return []string{EnvTargetsFile, EnvKubeconfig, EnvInCluster, EnvTargetName, EnvTargetNS, EnvTargetBaseURL}
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
	if one.Name == "" {
		one.Name = "default"
	}
	if one.BaseURL == "" {
		one.BaseURL = "http://" + one.Name + ".slipway.local"
	}
	return []TargetConfig{one}, nil
}
