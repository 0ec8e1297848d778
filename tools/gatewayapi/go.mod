// Module gatewayapi pins the Gateway API release whose standard-channel CRDs
// the e2e fixture slipway.dev/testsupport/gatewayapi installs on the local
// control plane. Not in go.work: the Gateway API module's requirements never
// enter the workspace's build list. Run Go here with GOWORK=off.
module slipway.dev/tools/gatewayapi

go 1.26.0

require sigs.k8s.io/gateway-api v1.6.3
