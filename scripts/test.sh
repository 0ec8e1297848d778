#!/usr/bin/env bash
# The test command: formatting, vet, and every test of every workspace module
# (unit and integration: real embedded NATS JetStream and FerretDB).
# Needs only Go; the first run downloads modules and builds (a few minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== gofmt"
unformatted=$(gofmt -l cmd pkg services testsupport tools/console)
if [ -n "$unformatted" ]; then
	echo "gofmt needed on:"; echo "$unformatted"; exit 1
fi
# The tree's shape: modules standalone, service binaries free of test and dev
# tooling, import grouping, the architecture map's package table.
./scripts/check-tree.sh
echo "== go vet"
go vet slipway.dev/...
# Helm, kustomize and compose-go live in tools/install, outside the
# workspace; built (and vetted) once here, so the two test packages that run
# its command (testsupport/install, testsupport/e2e) do not both compile them.
echo "== tools/install (build, vet)"
(cd tools/install && GOWORK=off go build -o /dev/null . && GOWORK=off go vet .)
echo "== go test"
go test -count=1 -timeout 20m "$@" slipway.dev/...
# The Python SDK's tests (clients/python) run with Debian's python3-pytest
# against a fresh `slipway dev` their fixture starts; required in CI
# (SLIPWAY_PYTHON_REQUIRED, set by .ci/run), skipped with a message here
# when python3-pytest is missing. About a minute.
echo "== python SDK (pytest against slipway dev)"
if /usr/bin/python3 -c 'import pytest' 2>/dev/null; then
	bin_dir=$(mktemp -d)
	trap 'rm -rf "$bin_dir"' EXIT
	go build -o "$bin_dir/slipway" slipway.dev/cmd/slipway
	SLIPWAY_BIN="$bin_dir/slipway" PYTHONDONTWRITEBYTECODE=1 \
		/usr/bin/python3 -m pytest -q -p no:cacheprovider clients/python/tests
elif [ -n "${SLIPWAY_PYTHON_REQUIRED:-}" ]; then
	echo "SLIPWAY_PYTHON_REQUIRED is set and /usr/bin/python3 has no pytest (apt-get install python3-pytest)"; exit 1
else
	echo "skipped: /usr/bin/python3 has no pytest (apt-get install python3-pytest to run the Python SDK's tests)"
fi
# The console's browser tests (tools/console, a module outside go.work so
# chromedp stays out of the runtime modules): Debian's chromium against a
# whole stack; skipped without chromium unless SLIPWAY_BROWSER_REQUIRED=1.
echo "== go test tools/console (the web console in chromium)"
(cd tools/console && GOWORK=off go vet ./... && GOWORK=off go test -count=1 -timeout 10m "$@" ./...)
# A count, not a duration: with a duration, go's fuzzing coordinator fails
# with "context deadline exceeded" when the time runs out while a worker is
# still busy (seen on a loaded 2-core machine); a count has no deadline.
echo "== go test -fuzz (request decoders, ${SLIPWAY_FUZZTIME:-3000x})"
go test -run '^$' -fuzz '^FuzzRequests$' -fuzztime "${SLIPWAY_FUZZTIME:-3000x}" slipway.dev/services/api/internal/httpapi
