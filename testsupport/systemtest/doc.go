// Package systemtest is the system tier: it tests Slipway through a running
// stack (slipway.dev/testsupport/devstacktest: embedded NATS JetStream and
// FerretDB, the four services in the test process, a simulated cluster),
// driving the HTTP API as a client does and reading the event histories
// and the cluster to check what the services did. Drift, promotion,
// webhooks, access control, aliases, rollbacks, restarts and the read
// models are tested here; devstack's own behaviour (which cluster it picks,
// its data folder) is tested with it, in slipway.dev/cmd/slipway/devstack.
//
// It runs with the default test command (./scripts/test.sh) and needs only
// Go.
package systemtest
