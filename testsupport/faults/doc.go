// Package faults is the fault-injection tier: a seeded random schedule of
// commands (creates, updates, rollbacks, alias moves, promotions,
// terminations) runs against Slipway's services while faults are injected,
// then invariants are checked on what the system holds.
//
// It has two modes, one schedule. In the first (Stack, Run,
// TestFaultInjection) the services run in the test's process: the api, two
// rollout workers, the health monitor and the promoter, on a three-node
// NATS cluster (testsupport/natscluster) with every stream and bucket on
// three replicas, a FerretDB on loopback TCP and the simulated cluster as
// their target. In the second (ProcessStack, RunProcesses,
// TestFaultInjectionProcesses) the same five services are operating-system
// processes, built once from their main packages (e2e.BuildServices), on the
// same NATS cluster and FerretDB, targeting a local Kubernetes control plane
// (testsupport/kubeplane: etcd, a real kube-apiserver, the controllers,
// KWOK) through its kubeconfig. The faults, one at a time, every kind once
// in a seeded order and then again until the schedule's time is up:
//
//   - the EVENTS stream's leader node killed, restarted after a few seconds;
//   - a node partitioned from the two others (its routes cut), then healed;
//   - a rollout worker, the api or the health monitor killed, a new one
//     started a few seconds later. In the process mode this is SIGKILL
//     (e2e.Process.Kill): nothing of a graceful stop (Nak, drain, lease
//     release) happens and nothing the process had under way goes on. In
//     the in-process mode its connections to NATS and the store are cut at
//     once (each instance reaches them through proxies of its own,
//     testsupport/netfault), then its context is cancelled; its goroutines
//     may still touch the simulated cluster until they notice;
//   - the store (FerretDB) stopped, for 8 s in CI and 30 s in the long run;
//   - the webhook receiver answering 500, or hanging;
//   - in the process mode only, the kube-apiserver stopped mid-rollout
//     (it waits up to 30 s for a Deployment rolling out, then stops it
//     anyway and says so) while commands keep coming, for 8 s in CI and
//     30 s in the long run, then started again (the plane's
//     StopAPIServer, StartAPIServer): etcd, the controllers and KWOK keep
//     running.
//
// Commands are sent as a careful client does: a transport error or a 5xx is
// retried with the same Idempotency-Key for up to 20 s. Once the schedule
// ends and every fault is healed, the run waits for the system to settle,
// rebuilds the read models from EVENTS into an empty database with a second
// api, and checks (Check, pure, each invariant with a broken variant in
// invariants_test.go):
//
//   - every command answered 200 or 202 has exactly one outcome event;
//   - EVENTS has no hole, and each deployment's revisions are 1, 2, 3...;
//   - the read models equal the rebuild, document for document, field for
//     field;
//   - the cluster runs each deployment's last settled revision (image,
//     replicas, applied revision) with a Service per alias, and no
//     Deployment of a terminated one (read through client-go: the simulated
//     cluster's client, or the local plane's real objects);
//   - every deployment event after the subscription was delivered to the
//     receiver and accepted at least once, with a valid signature;
//   - no rollout, alias move or termination is left unfinished;
//   - no command the intake stored (COMMANDS holds its operation) is left
//     with only 5xx answers or none on attempts made after it was stored
//     while the api was up and the store running (outside an api kill or
//     the store's outage, and a few seconds after each).
//
// The client records every attempt of every command; a command with no 2xx
// or 4xx answer after its retries is classified after the run: committed
// (COMMANDS holds the operation its Idempotency-Key maps to) or not, each
// attempt marked with the faults in place when it was made.
//
// TestFaultInjection runs it when SLIPWAY_FAULTS=1 (CI sets it, with a
// fixed seed): 45 s of commands (about 2 minutes in all), longer with
// SLIPWAY_FAULTS_DURATION (bench/run.sh -only faults runs 10 minutes).
// TestFaultInjectionProcesses runs the process mode under the same variables
// when the plane's binaries are present (it fails without them when
// SLIPWAY_KUBE_REQUIRED=1, as CI sets): 30 s of commands in CI (the first
// round of the nine kinds takes about a minute), about 3 minutes in all;
// SLIPWAY_FAULTS_MODE=processes makes bench/run.sh -only faults run it at
// length. A failure prints the seed (SLIPWAY_FAULTS_SEED repeats the
// schedule; the interleavings with the services' own timing may differ), the
// violations and the history of each deployment they name. Report.Markdown
// gives the figures: faults injected, commands run (answered, refused,
// unanswered committed, unanswered not committed), violations, and the
// recovery after each kind of fault (from the fault to the end of the next
// command stored).
package faults
