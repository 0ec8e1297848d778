// Module lint pins the source checkers scripts/test.sh runs (goimports), so
// every machine runs the same version, fetched once through the module proxy.
// Not in go.work: its dependencies never enter a runtime module's graph. Run
// it with GOWORK=off, e.g. `GOWORK=off go tool goimports` from this folder.
module slipway.dev/tools/lint

go 1.26.0

tool golang.org/x/tools/cmd/goimports

require (
	golang.org/x/mod v0.41.0 // indirect
	golang.org/x/sync v0.23.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
	golang.org/x/telemetry v0.0.0-20260924152758-ed294f943157 // indirect
	golang.org/x/tools v0.51.0 // indirect
)
