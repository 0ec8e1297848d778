package systemtest

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/cmd/slipway/devstack"
)

var metav1GetOptions = metav1.GetOptions{}

func devstackOptions() devstack.Options { return devstack.Options{} }
