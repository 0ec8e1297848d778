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
echo "== go test"
go test -count=1 -timeout 20m "$@" slipway.dev/...
# The console's browser tests (tools/console, a module outside go.work so
# chromedp stays out of the runtime modules): Debian's chromium against a
# whole stack; skipped without chromium unless SLIPWAY_BROWSER_REQUIRED=1.
echo "== go test tools/console (the web console in chromium)"
(cd tools/console && GOWORK=off go vet ./... && GOWORK=off go test -count=1 -timeout 10m "$@" ./...)
echo "== go test -fuzz (request decoders, ${SLIPWAY_FUZZTIME:-15s})"
go test -run '^$' -fuzz '^FuzzRequests$' -fuzztime "${SLIPWAY_FUZZTIME:-15s}" slipway.dev/services/api/internal/httpapi
