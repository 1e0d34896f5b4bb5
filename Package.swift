// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Inferno",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "InfernoMIP", targets: ["InfernoMIP"]),
        .executable(name: "inferno-controller", targets: ["InfernoController"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
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
            ]
        ),
        .testTarget(name: "InfernoMIPTests", dependencies: ["InfernoMIP"]),
        .testTarget(name: "InfernoControllerTests", dependencies: ["InfernoController"]),
    ],
    swiftLanguageModes: [.v6]
)
