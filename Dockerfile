# syntax=docker/dockerfile:1
# Inferno controller image: build with the Swift toolchain on Debian 12, run on debian:bookworm-slim with only the
# CBC runtime libraries. The Swift runtime (stdlib, Foundation) is linked statically.
#
#   docker build -t inferno-controller:dev .
#   kind load docker-image inferno-controller:dev --name inferno

ARG SWIFT_IMAGE=swift:6.3-bookworm

FROM ${SWIFT_IMAGE} AS build
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends coinor-libcbc-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so source edits do not refetch them.
# Package.resolved is optional (git-ignored); the glob keeps COPY from failing without it.
COPY Package.swift Package.resolved* ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
# Package.swift declares the benchmark's targets too: without them it does not load.
COPY benchmarks ./benchmarks
RUN swift build -c release --static-swift-stdlib --product inferno-controller \
    && install -D "$(swift build -c release --show-bin-path)/inferno-controller" /out/inferno-controller

FROM debian:bookworm-slim AS runtime
# coinor-libcbc3 holds libCbcSolver.so.3 / libCbc.so.3 and pulls in Cgl, Clp, Osi and CoinUtils.
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends coinor-libcbc3 ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 65532 inferno \
    && useradd --system --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin inferno
COPY --from=build /out/inferno-controller /usr/local/bin/inferno-controller
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["/usr/local/bin/inferno-controller"]
CMD ["run", "--solver=mip"]
