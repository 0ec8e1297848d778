// Package kubeplane is the test layer over slipway.dev/pkg/kube/localplane:
// a real, throw-away Kubernetes control plane (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and KWOK, which simulates a node
// and the lifecycle of the pods scheduled on it) for end-to-end tests.
//
// The binaries are not built by `go test`: `bash scripts/kubeplane/build.sh`
// builds them once (cold: about 5.5 minutes on 2 quiet cores, about 55 under
// heavy load) into BinDir. When they are missing, Shared, Namespace and
// StartT skip the calling test with a message naming that command (or fail
// it when SLIPWAY_KUBE_REQUIRED=1, for CI).
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
// select it with NodeSelector, unless the package's plane is started
// untainted (ForPackageWith with Options.NoTaint). KWOK makes pods Ready at
// once, except pods annotated sim.slipway.dev/never-ready="true", which run
// but never become Ready, and pods annotated sim.slipway.dev/ready-delay
// (a Go duration), which become Ready after it. WaitRollout applies
// `kubectl rollout status`; WatchReadyEndpoints records a Service's ready
// endpoints at every EndpointSlice change.
package kubeplane
