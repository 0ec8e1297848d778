#!/usr/bin/env bash
# Builds the control-plane binaries used by the e2e fixture
# slipway.dev/testsupport/kubeplane: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler and kwok, from the pinned build
# module tools/kubeplane.
#
# Binaries go to ${SLIPWAY_KUBE_BIN:-$HOME/.cache/slipway/k8s-v1.37.2/bin}.
# A binary that is already there is not rebuilt, so the script is cheap to
# rerun; delete the folder to force a rebuild. A cold build takes about 20
# minutes on 2 cores and needs ~3 GB RAM and ~4.5 GB of Go caches.
#
# Environment:
#   SLIPWAY_KUBE_BIN    destination folder (default above)
#   KUBEPLANE_BUILD_P   value for `go build -p` (default 2; use 1 when memory is tight)
#   KUBEPLANE_NICE      niceness of the build (default 10)
set -euo pipefail

K8S_VERSION=v1.37.2
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
module_dir=$(cd "$script_dir/../../tools/kubeplane" && pwd)
bin_dir=${SLIPWAY_KUBE_BIN:-$HOME/.cache/slipway/k8s-$K8S_VERSION/bin}
# Each go build of a Kubernetes main peaks near 3 GB; fall back to one job
# at a time when less than 6 GB is available.
avail_kb=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo 2>/dev/null || echo 0)
default_p=2
[[ ${avail_kb:-0} -gt 0 && $avail_kb -lt $((6 * 1024 * 1024)) ]] && default_p=1
parallel=${KUBEPLANE_BUILD_P:-$default_p}
niceness=${KUBEPLANE_NICE:-10}

# name=package, in build order (etcd first: smallest, fails fastest).
targets=(
	"etcd=go.etcd.io/etcd/server/v3"
	"kube-apiserver=k8s.io/kubernetes/cmd/kube-apiserver"
	"kube-controller-manager=k8s.io/kubernetes/cmd/kube-controller-manager"
	"kube-scheduler=k8s.io/kubernetes/cmd/kube-scheduler"
	"kwok=sigs.k8s.io/kwok/cmd/kwok"
)

ver_pkg=k8s.io/component-base/version
ldflags="-s -w -X $ver_pkg.gitVersion=$K8S_VERSION -X $ver_pkg.gitMajor=1 -X $ver_pkg.gitMinor=37 -X $ver_pkg.gitTreeState=clean"

missing=()
for t in "${targets[@]}"; do
	name=${t%%=*}
	[[ -x "$bin_dir/$name" ]] || missing+=("$t")
done
if [[ ${#missing[@]} -eq 0 ]]; then
	echo "kubeplane: all binaries present in $bin_dir"
	exit 0
fi

command -v go >/dev/null || { echo "kubeplane: go not found in PATH" >&2; exit 1; }
mkdir -p "$bin_dir"
echo "kubeplane: building ${#missing[@]} binaries into $bin_dir (go build -p $parallel, nice $niceness)"

# wait_for PID SECS: succeeds once PID has exited, fails if it still runs
# after SECS seconds.
wait_for() {
	local i
	for ((i = 0; i < $2; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 1
	done
	! kill -0 "$1" 2>/dev/null
}

# Remove a half-written binary if the script is interrupted.
trap 'rm -f "$bin_dir"/.*.tmp.$$' EXIT

start_all=$SECONDS
cd "$module_dir"
export GOWORK=off
for t in "${missing[@]}"; do
	name=${t%%=*}
	pkg=${t#*=}
	start=$SECONDS
	echo "kubeplane: [$(date +%T)] building $name ($pkg) ..."
	tmp="$bin_dir/.$name.tmp.$$"
	nice -n "$niceness" go build -p "$parallel" -mod=readonly -trimpath \
		-ldflags "$ldflags" -o "$tmp" "$pkg" &
	build_pid=$!
	# A heartbeat keeps CI logs from looking hung during the long links.
	while ! wait_for "$build_pid" 60; do
		echo "kubeplane: [$(date +%T)] still building $name ($((SECONDS - start))s)"
	done
	if ! wait "$build_pid"; then
		rm -f "$tmp"
		echo "kubeplane: building $name failed after $((SECONDS - start))s" >&2
		exit 1
	fi
	mv -f "$tmp" "$bin_dir/$name" # atomic: a half-written binary never counts as present
	echo "kubeplane: [$(date +%T)] built $name in $((SECONDS - start))s (total $((SECONDS - start_all))s)"
done
echo "kubeplane: done in $((SECONDS - start_all))s; binaries in $bin_dir"
