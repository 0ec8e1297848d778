package e2e

import (
	"testing"

	"slipway.dev/testsupport/install"
	"slipway.dev/testsupport/kubeplane"
)

// Main runs a test package of this tier: one shared plane whose fake node
// has no taint (Slipway renders ordinary pods, with no toleration), started
// by the first test and stopped after the last, and the service binaries,
// built by the first test and removed after the last. The plane's API
// server keeps an audit log of the requests of Slipway's ServiceAccounts
// (ReadAudit). Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(e2e.Main(m)) }
func Main(m *testing.M) int {
	defer removeBinaries()
	defer install.Cleanup()
	return kubeplane.ForPackageWith(m, kubeplane.Options{NoTaint: true, AuditPolicy: auditPolicy})
}
