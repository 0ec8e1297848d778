package kubeplane_test

import (
	"os"
	"testing"

	"slipway.dev/testsupport/kubeplane"
)

func TestMain(m *testing.M) { os.Exit(kubeplane.ForPackage(m)) }
