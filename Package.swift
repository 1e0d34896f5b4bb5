// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Inferno",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "InfernoMIP", targets: ["InfernoMIP"]),
        .executable(name: "inferno-controller", targets: ["InfernoController"]),
        .executable(name: "inferno-bench", targets: ["InfernoBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.30.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.25.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
    ],
    targets: [
        // COIN-OR CBC's C interface. Nothing else lives here.
        .systemLibrary(
            name: "CCbc",
            pkgConfig: "cbc",
            providers: [.apt(["coinor-libcbc-dev"])]
        ),
        // The one JSON tree (`JSONValue`), its lenient accessors, the decimal-only number parser and the one number
        // formatting. No dependencies: every target that reads or writes JSON uses it.
        .target(name: "InfernoFormats"),
        // Model, analyzer, solvers: pure values, no I/O; the upstream readers and writers (Sources/InfernoMIP/Formats).
        .target(name: "InfernoMIP", dependencies: ["CCbc", "InfernoFormats"]),
        // The reconcile loop's ports (ClusterSource, LoadSource, Actuator), the planner, the stabiliser, the load
        // forecast, the reconciler and the one control loop, generic over a clock and a variant watcher.
        .target(name: "InfernoControl", dependencies: ["InfernoMIP", .product(name: "Logging", package: "swift-log")]),
        // One HTTP server (TLS optional), the /metrics registry, the probe endpoints.
        .target(
            name: "InfernoHTTP",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // The Kubernetes API client, kubeconfig, leader election, and the cluster source and actuator on it.
        .target(
            name: "InfernoKubernetes",
            dependencies: [
                "InfernoControl",
                "InfernoFormats",
                "InfernoMIP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The Prometheus HTTP API client and the load source on vLLM's series.
        .target(
            name: "InfernoPrometheus",
            dependencies: [
                "InfernoControl",
                "InfernoFormats",
                "InfernoMIP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // The simulated cluster of emulated vLLM servers, its scenarios, and the environment that puts it behind the
        // control ports.
        .target(name: "InfernoSimulation", dependencies: ["InfernoControl", "InfernoFormats", "InfernoMIP"]),
        // `inferno-controller`: commands, settings, output formatting; assembles the layers above.
        .executableTarget(
            name: "InfernoController",
            dependencies: [
                "InfernoControl",
                "InfernoFormats",
                "InfernoHTTP",
                "InfernoKubernetes",
                "InfernoMIP",
                "InfernoPrometheus",
                "InfernoSimulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The MIP-versus-greedy benchmark: scenario generator, runner, report (benchmarks/, docs/benchmark.md).
        .target(name: "InfernoBenchKit", dependencies: ["InfernoMIP"], path: "benchmarks/Sources/InfernoBenchKit"),
        .executableTarget(
            name: "InfernoBench",
            dependencies: [
                "InfernoBenchKit",
                "InfernoMIP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "benchmarks/Sources/InfernoBench"
        ),
        // Fakes and harnesses for the tests: an in-process Kubernetes API server, a real Prometheus, a vLLM
        // exporter, one process launcher. Only test targets depend on it.
        .target(
            name: "InfernoTestSupport",
            dependencies: [
                "InfernoControl", "InfernoFormats", "InfernoHTTP", "InfernoKubernetes", "InfernoMIP", "InfernoPrometheus",
                "InfernoSimulation",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Tests/InfernoTestSupport"
        ),
        .testTarget(name: "InfernoMIPTests", dependencies: ["InfernoFormats", "InfernoMIP"]),
        .testTarget(
            name: "InfernoControlTests",
            dependencies: ["InfernoControl", "InfernoMIP", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "InfernoBenchTests", dependencies: ["InfernoBenchKit", "InfernoMIP"]),
        .testTarget(
            name: "InfernoControllerTests",
            dependencies: [
                "InfernoController", "InfernoControl", "InfernoFormats", "InfernoHTTP", "InfernoKubernetes", "InfernoMIP",
                "InfernoPrometheus", "InfernoSimulation", "InfernoTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
