package install_test

import (
	"os"
	"testing"

	"slipway.dev/testsupport/install"
)

func TestMain(m *testing.M) {
	code := m.Run()
	install.Cleanup()
	os.Exit(code)
}
