// Package localplane runs a real, throw-away Kubernetes control plane on
// loopback ports: etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and KWOK, which simulates one node and the lifecycle of
// the pods scheduled on it (no container runs). `slipway dev --cluster
// local` deploys to it, and slipway.dev/testsupport/kubeplane builds the
// test fixture on it.
//
// The binaries are not built by `go build`: BuildCommand builds them once
// into BinDir (measured cold: about 5.5 minutes on 2 quiet cores, about 55
// under heavy load); Available reports whether they are there.
//
//	p, err := localplane.Start(ctx, localplane.Options{Dir: dir, NoTaint: true})
//	if err != nil { ... }
//	defer p.Stop()
//	// p.KubeconfigPath(), p.Client(), p.RESTConfig()
//
// By default the fake node carries the taint kwok.x-k8s.io/node=fake:NoSchedule,
// so only workloads that tolerate it (Toleration) land there; NoTaint
// leaves it off so ordinary pods schedule. KWOK makes pods Ready at once,
// except pods annotated sim.slipway.dev/never-ready="true", which run but
// never become Ready, and pods annotated sim.slipway.dev/ready-delay=<Go
// duration>, which become Ready after that delay.
//
// The package uses only the standard library, client-go, apimachinery and
// api, and works on Linux only (process groups and Pdeathsig).
package localplane
