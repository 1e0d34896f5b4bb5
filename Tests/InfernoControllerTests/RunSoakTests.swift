import Foundation
import Testing
@testable import InfernoKubernetes
import InfernoTestSupport

/// The `run` soak (issue 12 item 5): the built `inferno-controller run` against the in-process API server (the
/// seed's demo) and a real Prometheus scraping the vLLM exporter, at `--interval 1s`, for
/// `INFERNO_SOAK_MINUTES` minutes (skipped when unset: it is a measurement, not a unit test). The controller's
/// resident memory (`VmRSS`) and open file descriptors (`/proc/PID/fd`) are sampled every
/// `INFERNO_SOAK_SAMPLE_SECONDS` (default 60; `INFERNO_SOAK_BINARY` names another build) and printed as a series, then the first and last thirds after the
/// first sample's warm-up are compared. It asserts only that the controller kept working (the Deployment at the
/// seed's 2 replicas, the process alive); whether the figures are flat is for the reader (docs/robustness.md).
@Suite struct RunSoakTests {
    static var minutes: Double? { ProcessInfo.processInfo.environment["INFERNO_SOAK_MINUTES"].flatMap(Double.init) }

    @Test(.enabled(if: RunSoakTests.minutes != nil, "set INFERNO_SOAK_MINUTES to run the soak"))
    func runSoakSamplesRSSAndFileDescriptors() async throws {
        let minutes = Self.minutes ?? 0
        let sampleSeconds = ProcessInfo.processInfo.environment["INFERNO_SOAK_SAMPLE_SECONDS"].flatMap(Double.init) ?? 60
        // A copy of the binary may be named, so that rebuilding during a long soak does not change what runs.
        let binary = ProcessInfo.processInfo.environment["INFERNO_SOAK_BINARY"].map { URL(fileURLWithPath: $0) }
            ?? RunCommandEndToEndTests.binary
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the product first: swift build")
        try await RunHarness.with(binary: binary, interval: "1s") { run in
            let (server, process) = (run.server, run.process)
            let pid = process.processIdentifier

            var samples: [SoakSample] = []
            let start = Date()
            while Date().timeIntervalSince(start) < minutes * 60, process.isRunning {
                try await Task.sleep(for: .seconds(min(sampleSeconds, max(1, minutes * 60 - Date().timeIntervalSince(start)))))
                guard let sample = SoakSample.read(pid: pid, seconds: Date().timeIntervalSince(start)) else { break }
                samples.append(sample)
                print(String(format: "soak t=%6.0f s  VmRSS=%7d kB  fds=%4d", sample.seconds, sample.rssKB, sample.fileDescriptors))
            }
            let replicas = await server.api.object(.deployments, namespace: KubeDemoCluster.namespace,
                                                   name: "vllme-deployment")?[path: "spec.replicas"]?.int
            #expect(process.isRunning, "the controller is still running after \(minutes) min")
            #expect(replicas == 2, "the seed's decision held throughout")
            print(SoakSample.summary(samples))
            process.terminate()
        }
    }
}

/// One reading of a process's resident memory and open file descriptors.
struct SoakSample {
    var seconds: Double
    var rssKB: Int
    var fileDescriptors: Int

    static func read(pid: Int32, seconds: Double) -> SoakSample? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }),
              let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { return nil }
        return SoakSample(seconds: seconds, rssKB: kb, fileDescriptors: fds.count)
    }

    /// The first and last thirds of the samples after the first (warm-up), compared by their means.
    static func summary(_ samples: [SoakSample]) -> String {
        let settled = Array(samples.dropFirst())
        let third = settled.count / 3
        guard third > 0 else { return "soak: too few samples (\(samples.count)) to compare" }
        func mean(_ s: ArraySlice<SoakSample>, _ f: (SoakSample) -> Int) -> Double { Double(s.map(f).reduce(0, +)) / Double(s.count) }
        let first = settled.prefix(third), last = settled.suffix(third)
        return String(format: "soak summary: %d samples; VmRSS mean first third %.0f kB, last third %.0f kB (%+.1f%%), max %d kB; "
                      + "fds first third %.1f, last third %.1f, max %d",
                      samples.count, mean(first, \.rssKB), mean(last, \.rssKB),
                      (mean(last, \.rssKB) / mean(first, \.rssKB) - 1) * 100, samples.map(\.rssKB).max() ?? 0,
                      mean(first, \.fileDescriptors), mean(last, \.fileDescriptors), samples.map(\.fileDescriptors).max() ?? 0)
    }
}
