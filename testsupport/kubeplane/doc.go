// Package kubeplane runs a real, throw-away Kubernetes control plane for
// end-to-end tests: etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and KWOK (which simulates a node and the lifecycle of the
// pods scheduled on it), all on loopback ports under a temporary directory.
//
// The binaries are not built by `go test`: `bash scripts/kubeplane/build.sh`
// builds them once (about 20 minutes cold) into BinDir. When they are
// missing, Shared and Namespace skip the calling test with a message naming
// that command (or fail it when SLIPWAY_KUBE_REQUIRED=1, for CI).
//
// A test package shares one plane:
//
//	func TestMain(m *testing.M) { os.Exit(kubeplane.ForPackage(m)) }
//
//	func TestRollout(t *testing.T) {
//		ns := kubeplane.Namespace(t)          // fresh namespace, deleted at cleanup
//		cs := kubeplane.Shared(t).Client()
//		...
//	}
//
// Workloads must tolerate the fake node's taint (Plane.Toleration) and may
// select it with NodeSelector. KWOK makes pods Ready at once, except pods
// annotated sim.slipway.dev/never-ready="true", which run but never become
// Ready.
package kubeplane
