package e2e_test

import (
	"os"
	"testing"

	"slipway.dev/testsupport/e2e"
)

func TestMain(m *testing.M) { os.Exit(e2e.Main(m)) }
