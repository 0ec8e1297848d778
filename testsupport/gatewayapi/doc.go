// Package gatewayapi installs the Gateway API's standard-channel CRDs on a
// control plane (the e2e tier's kubeplane), read from the release the
// module tools/gatewayapi pins (sigs.k8s.io/gateway-api), not from a copy
// or a stand-in: what Slipway renders is checked against the real schema,
// CEL rules included.
//
// The YAML is read from the module's files (config/crd/standard) in Go's
// module cache: `go mod download -json` run in tools/gatewayapi (GOWORK=off)
// fetches the release when it is missing and names its folder. The Gateway
// API module has no Go package that embeds the CRDs, and go:embed cannot
// reach another module's files. So the tests need the go command and,
// on a cold module cache, the module proxy.
//
//	gatewayapi.InstallT(t, plane.RESTConfig())   // idempotent; the CRDs stay
package gatewayapi
