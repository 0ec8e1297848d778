//go:build tools

// Package gatewayapi keeps sigs.k8s.io/gateway-api in this module's graph,
// so `go mod download` here yields the pinned release's files
// (config/crd/standard/*.yaml). It is never compiled into a program.
package gatewayapi

import _ "sigs.k8s.io/gateway-api/pkg/consts"
