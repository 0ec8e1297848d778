# syntax=docker/dockerfile:1
#
# One image build for every Slipway binary. Pick what to build with a target
# (docker-compose.yaml does this) or the SERVICE build argument; both name one
# of the per-service stages at the bottom:
#
#   docker build --target api -t slipway-api:dev .
#   docker build --build-arg SERVICE=rollout-worker -t slipway-rollout-worker:dev .
#
# Stages: api, rollout-worker, health-monitor, promoter, and slipway (the CLI,
# including `slipway dev`).

# SERVICE selects the stage the default (last) stage is built from.
ARG SERVICE=api

# ---------------------------------------------------------------------------
# Build: the whole workspace (go.work and every module it uses), all binaries
# at once so shared packages are compiled once. The build runs on the builder's
# platform and cross-compiles (CGO is off), so multi-arch builds need no emulation.
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
ARG TARGETOS
ARG TARGETARCH
WORKDIR /src
COPY . .
# The module and build caches are BuildKit cache mounts: kept between builds,
# never part of an image layer. The golang image already sets GOTOOLCHAIN=local,
# so a go.mod that needs a newer Go fails here rather than downloading one.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags "-s -w" -o /out/ \
        slipway.dev/services/api/cmd/slipway-api \
        slipway.dev/services/rollout-worker/cmd/slipway-rollout-worker \
        slipway.dev/services/health-monitor/cmd/slipway-health-monitor \
        slipway.dev/services/promoter/cmd/slipway-promoter \
        slipway.dev/cmd/slipway

# ---------------------------------------------------------------------------
# Runtime: static binaries on distroless (no shell, no package manager),
# running as the image's nonroot user. The user is given by number: Kubernetes'
# runAsNonRoot can only verify a numeric user. Each stage carries only its own
# binary. ENTRYPOINT is in exec form so the binary is PID 1 and gets
# SIGTERM directly (every service shuts down gracefully on it).
FROM gcr.io/distroless/static-debian12:nonroot AS runtime
USER 65532:65532

FROM runtime AS api
COPY --from=build /out/slipway-api /usr/local/bin/slipway-api
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/slipway-api"]

FROM runtime AS rollout-worker
COPY --from=build /out/slipway-rollout-worker /usr/local/bin/slipway-rollout-worker
ENTRYPOINT ["/usr/local/bin/slipway-rollout-worker"]

FROM runtime AS health-monitor
COPY --from=build /out/slipway-health-monitor /usr/local/bin/slipway-health-monitor
ENTRYPOINT ["/usr/local/bin/slipway-health-monitor"]

FROM runtime AS promoter
COPY --from=build /out/slipway-promoter /usr/local/bin/slipway-promoter
ENTRYPOINT ["/usr/local/bin/slipway-promoter"]

FROM runtime AS slipway
COPY --from=build /out/slipway /usr/local/bin/slipway
ENTRYPOINT ["/usr/local/bin/slipway"]

# Default stage (a build without --target): the stage named by SERVICE.
FROM ${SERVICE}
