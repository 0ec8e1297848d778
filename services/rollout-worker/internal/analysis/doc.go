// Package analysis decides whether a revision's metrics are good enough to
// go on: checks, their measurements, and the run of a check. Deciding is
// pure (Measure, Assess, Next); the one I/O is a Provider's query (Take,
// and Prometheus, the provider over Prometheus's HTTP API).
//
// # Checks
//
// A Check is a PromQL query written as a Go text/template over Vars
// ({{.Namespace}}, {{.Deployment}}, {{.Revision}}, {{.StableRevision}}), a
// Condition, an interval, a count, and failure and inconclusive limits.
// A check is declared in a spec (events.Check, the wire contract) and
// validated there (validation.Check: a template that does not parse or uses
// other names, an interval outside 1s..1h, a count outside 1..100, a limit
// below 0 or not below the count, an unknown operator); FromSpec turns it
// into the Check decided on here.
//
// # Measurements
//
// A measurement is one evaluation of the check at a time: the query's value
// for the revision (a Provider answers with one number or an error) held
// against the condition. It is Successful when the value satisfies the
// condition, Failed when it does not, and Inconclusive when there is no
// value to hold against it: a query error, Prometheus unreachable, no
// series, more than one series, NaN or an infinity. Inconclusive is never
// success. A Failed measurement's reason names the check, the value and the
// condition, e.g. `check "error-rate": 0.2 does not meet < 0.05`.
//
// # Ratio checks
//
// With Condition.Ratio the query is run twice, for the new revision and
// with {{.Revision}} set to the stable revision, and the value held against
// the condition is new/stable (canary/stable <= 1.2: at most 20% worse).
// The query must use {{.Revision}}. Both 0 is a ratio of 1 (alike); the
// stable's 0 under a non-zero new value, a negative value, or no stable
// revision makes the measurement inconclusive. Ratios suit latency; for
// error rates, whose stable value is often 0, use a threshold.
//
// # Runs
//
// Assess folds a check's measurements: Failed as soon as failures exceed
// the failure limit, Inconclusive as soon as inconclusive measurements
// exceed theirs, else Successful once count measurements are in — and only
// if at least one succeeded: a run none of whose measurements succeeded is
// Inconclusive whatever its limits (Argo Rollouts #4479 reported success
// when every measurement had errored). A run stopped before its count is
// Running, never Successful. The caller records each measurement (as an
// event) and folds the record, so a resumed run counts none twice; Next
// says when the next one is due.
package analysis
