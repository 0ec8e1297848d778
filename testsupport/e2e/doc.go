// Package e2e runs Slipway end to end: the four services as separate
// processes (built once per test run with `go build`) against a real
// Kubernetes control plane (slipway.dev/pkg/kube/localplane, through
// slipway.dev/testsupport/kubeplane), with embedded NATS JetStream and
// FerretDB in the test process.
//
// Each test gets its own NATS and FerretDB (fresh temporary folders), its
// own namespace on the package's shared plane, and its own service
// processes, so tests are independent:
//
//	func TestMain(m *testing.M) { os.Exit(e2e.Main(m)) }
//
//	func TestSomething(t *testing.T) {
//		s := e2e.NewStack(t)                       // api, promoter, monitor, one worker
//		resp := s.API.Do(t, http.MethodPost, ...)  // an apitest client of the api process
//		s.StartWorker()
//		s.Kill(s.Workers[0])                       // SIGKILL: a crash
//	}
//
// Installation (installed.go, accounts.go, audit.go): InstallBase applies
// the kustomize base of deployments/ once per process, in namespaces that
// enforce the restricted Pod Security Standard (RestrictedLabels); an
// Applier applies any rendered objects (the Helm chart's) and checks that
// their pods are admitted and scheduled. With AsServiceAccounts a Stack's
// worker and monitor use tokens of their own ServiceAccounts from that base,
// bound by copies of its Roles in the Stack's namespace; the plane's audit
// log (ReadAudit) records every request of those accounts.
//
// Without the plane's binaries the tests skip, naming
// `bash scripts/kubeplane/build.sh`; with SLIPWAY_KUBE_REQUIRED=1 they fail
// instead. Service logs go to files, printed when a test fails.
package e2e
