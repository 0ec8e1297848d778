// Package install gives tests Slipway's installation files as the tools
// users install them with produce them: the kustomize base in deployments/
// (kustomize build), the Helm chart in deployments/helm/slipway (helm
// template and helm lint) and docker-compose.yaml (the Compose
// specification's loader).
//
// Those tools' Go modules (sigs.k8s.io/kustomize/api, helm.sh/helm/v4,
// github.com/compose-spec/compose-go/v2) stay out of the workspace: they
// are required by tools/install, a module of its own, whose command this
// package builds once per test process (GOWORK=off go build, cached by Go)
// and runs:
//
//	objs := install.Kustomize(t)                            // every object of the base
//	objs = install.HelmTemplate(t, "slipway", "image.tag=v1")
//	install.HelmLint(t)                                     // nil, or what helm lint found
//	install.HelmInstall(t, kubeconfig, "slipway", true)     // a real helm install
//	p := install.Compose(t)                                 // services, secrets, volumes
//
// The first build of tools/install compiles Helm and kustomize: minutes on
// a cold cache (8 on a busy 2-core machine), seconds once cached.
package install
