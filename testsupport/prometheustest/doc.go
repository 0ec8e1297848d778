// Package prometheustest gives a test a real Prometheus: Debian's
// /usr/bin/prometheus started on a free loopback port with a generated
// configuration and its storage in the test's temporary folder, scraping
// every second an Exporter in the test's process.
//
// The Exporter serves, per revision (labels namespace, deployment,
// revision), a requests counter, an errors counter and a latency histogram
// whose rates the test sets with Exporter.Set. Start skips the test when
// the binary is missing, unless SLIPWAY_PROMETHEUS_REQUIRED=1 (CI), which
// makes that a failure. Prometheus.Stop stops the server mid-test, for the
// tests of what a caller does when it cannot be reached.
package prometheustest
