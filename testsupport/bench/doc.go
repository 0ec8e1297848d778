// Package bench measures Slipway against raw baselines taken in the same
// run on the same machine: command intake against a synchronous JetStream
// publish, command to first Kubernetes write against a direct server-side
// apply, a rolling update against the same change applied directly, event
// to GET visibility and replay rebuild against raw driver upserts, and
// fleet queries against the raw driver query.
//
// Everything runs in one process: embedded NATS JetStream and FerretDB, the
// api, rollout worker, health monitor and promoter (see Stack), and a
// simulated Kubernetes target or the local control plane. Run drives the
// benchmarks and returns table rows; cmd/slipway-bench prints them, and
// bench/run.sh at the repository root builds and runs it.
package bench
