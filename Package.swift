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
    ],
    targets: [
        // COIN-OR CBC's C interface. Nothing else lives here.
        .systemLibrary(
            name: "CCbc",
            pkgConfig: "cbc",
            providers: [.apt(["coinor-libcbc-dev"])]
        ),
        // Model, analyzer, solvers: pure values, no I/O.
        .target(name: "InfernoMIP", dependencies: ["CCbc"]),
        .executableTarget(
            name: "InfernoController",
            dependencies: [
                "InfernoMIP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Yams", package: "Yams"),
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
        .testTarget(name: "InfernoMIPTests", dependencies: ["InfernoMIP"]),
        .testTarget(name: "InfernoBenchTests", dependencies: ["InfernoBenchKit", "InfernoMIP"]),
        .testTarget(
            name: "InfernoControllerTests",
            dependencies: ["InfernoController", "InfernoMIP"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
