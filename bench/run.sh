#!/usr/bin/env bash
# Builds and runs Slipway's benchmarks and prints a markdown table of each
# figure against its raw baseline (also written to bench/results/latest.md).
#
#   bench/run.sh                      # everything: 3-5 minutes, plus about an hour for fleet and soak
#   bench/run.sh -quick               # CI-sized, about 5 minutes
#   bench/run.sh -only intake,replay  # some of: intake kubewrite rollout visible replay queries monitor fleet soak
#   bench/run.sh -only fleet -fleet-n 1000,10000 -fleet-local-n 1000   # the fleet benchmark (defaults)
#   bench/run.sh -only soak -soak 30m -soak-n 1000                     # the soak (defaults)
#   bench/run.sh -only queries -n 100,1000,10000
#   bench/run.sh -cpuprofile bench/results/profiles   # a CPU profile of each Slipway measurement
#   bench/run.sh -only faults         # the fault-injection suite's long run: 10 minutes of commands under
#                                     # faults, the store down 30 s at a time (SLIPWAY_FAULTS_DURATION,
#                                     # SLIPWAY_FAULTS_SEED); figures in bench/results/faults.md. With
#                                     # SLIPWAY_FAULTS_MODE=processes the services are processes (SIGKILLed)
#                                     # on the local plane, its kube-apiserver down 30 s at a time (figures
#                                     # in bench/results/faults-processes.md); =both runs one, then the other
#
# Flags go to slipway-bench (./testsupport/bench/cmd/slipway-bench; -h lists
# them). The health monitor's footprint comes from its own go test benchmark,
# run here first, unless -only leaves "monitor" out. Benchmarks run one after
# another, never at once: run nothing else heavy meanwhile on a 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bin bench/results

only=""
prev=""
for arg in "$@"; do
	case "$arg" in
	-only=* | --only=*) only="${arg#*=}" ;;
	esac
	if [ "$prev" = "-only" ] || [ "$prev" = "--only" ]; then
		only="$arg"
	fi
	prev="$arg"
done

if [[ ",$only," == *",faults,"* ]]; then
	# The fault-injection suite (testsupport/faults) at length: CI runs it for
	# 45 s as part of go test.
	# SLIPWAY_FAULTS_MODE: simulated (the default: the services in the
	# test's process, the simulated target), processes (each service a
	# process, the local plane as target; needs the plane's binaries), both.
	mode="${SLIPWAY_FAULTS_MODE:-simulated}"
	case "$mode" in
	simulated) runs="TestFaultInjection:faults" ;;
	processes) runs="TestFaultInjectionProcesses:faults-processes" ;;
	both) runs="TestFaultInjection:faults TestFaultInjectionProcesses:faults-processes" ;;
	*) echo "SLIPWAY_FAULTS_MODE=$mode: want simulated, processes or both" >&2; exit 2 ;;
	esac
	for r in $runs; do
		test_name="${r%%:*}" report="bench/results/${r#*:}.md"
		echo "== fault injection ($test_name): ${SLIPWAY_FAULTS_DURATION:-10m} of commands under faults" >&2
		SLIPWAY_FAULTS=1 SLIPWAY_KUBE_REQUIRED=1 SLIPWAY_FAULTS_DURATION="${SLIPWAY_FAULTS_DURATION:-10m}" SLIPWAY_FAULTS_REPORT="$PWD/$report" \
			go test -count=1 -timeout 60m -run "^$test_name\$" -v slipway.dev/testsupport/faults >&2
		cat "$report"
	done
	only=$(echo ",$only," | sed 's/,faults,/,/; s/^,//; s/,$//')
	if [ -z "$only" ]; then
		exit 0
	fi
	# The other benchmarks named go to slipway-bench without "faults".
	args=()
	prev=""
	for arg in "$@"; do
		case "$arg" in
		-only=* | --only=*) arg="-only=$only" ;;
		esac
		if [ "$prev" = "-only" ] || [ "$prev" = "--only" ]; then
			arg="$only"
		fi
		args+=("$arg")
		prev="$arg"
	done
	set -- "${args[@]}"
fi

echo "== build slipway-bench" >&2
go build -o bin/slipway-bench ./testsupport/bench/cmd/slipway-bench
if [ -z "$only" ] || [[ ",$only," == *",fleet,"* ]]; then
	# The fleet benchmark runs each service as a process of its own on the
	# local plane (-bin, default bin/).
	echo "== build the service binaries" >&2
	go build -o bin/ ./services/api/cmd/slipway-api ./services/rollout-worker/cmd/slipway-rollout-worker \
		./services/health-monitor/cmd/slipway-health-monitor ./services/promoter/cmd/slipway-promoter
fi

monitor=()
if [ -z "$only" ] || [[ ",$only," == *",monitor,"* ]]; then
	echo "== health monitor footprint: go test -run x -bench BenchmarkMonitorFootprint1000 -benchtime 3x" >&2
	go test -run x -bench BenchmarkMonitorFootprint1000 -benchtime 3x slipway.dev/services/health-monitor/ \
		| tee bench/results/monitor.txt >&2
	monitor=(-monitor bench/results/monitor.txt)
fi

echo "== slipway-bench $*" >&2
./bin/slipway-bench "${monitor[@]}" -o bench/results/latest.md "$@"
