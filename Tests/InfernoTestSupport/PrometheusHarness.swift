import AsyncHTTPClient
import Foundation
import NIOCore
import InfernoControl
import InfernoHTTP
import InfernoKubernetes
import InfernoPrometheus
import InfernoSimulation

/// A real Prometheus server (Debian's `prometheus` package) for one test: its own config, TSDB and port in a
/// temporary directory, a 1 s scrape interval, stopped with SIGTERM (then SIGKILL) by `stop()`.
///
/// Missing binary is a failure, not a skip: CI installs it with `scripts/setup.sh --test`.
package final class PrometheusHarness: @unchecked Sendable {
    // `process` is touched only by start/stop, which the test calls in sequence.
    package static let defaultBinary = "/usr/bin/prometheus"

    package struct Failure: Error, CustomStringConvertible {
        package var description: String

        package init(description: String) {
            self.description = description
        }
    }

    package let port: Int
    package let directory: URL
    private let process: Process

    package var baseURL: String { "\(scheme)://127.0.0.1:\(port)" }
    package let scheme: String

    /// Starts Prometheus scraping `targets` (`host:port`) every second and waits until it is ready.
    /// - Parameter webConfig: contents of `--web.config.file` (TLS), if any; the scheme becomes https.
    package static func start(targets: [String], webConfig: String? = nil, binary: String = defaultBinary) async throws -> PrometheusHarness {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw Failure(description: "\(binary) not found: the Prometheus tests need Debian's prometheus package; run scripts/setup.sh --test")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("inferno-prom-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        let targetList = targets.map { "'\($0)'" }.joined(separator: ", ")
        let config = """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: vllm
                static_configs:
                  - targets: [\(targetList)]

            """
        try config.write(to: dir.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
        var extra: [String] = []
        if let webConfig {
            try webConfig.write(to: dir.appendingPathComponent("web.yml"), atomically: true, encoding: .utf8)
            extra.append("--web.config.file=\(dir.appendingPathComponent("web.yml").path)")
        }
        let scheme = webConfig == nil ? "http" : "https"
        // Readiness over TLS: the harness only checks that the server is up, not who it is.
        let readinessClient = webConfig == nil ? HTTPClient.shared
            : HTTPClient(configuration: HTTPClient.Configuration(certificateVerification: .none))
        do {
            let harness = try await launch(binary: binary, dir: dir, scheme: scheme, extra: extra, client: readinessClient)
            if webConfig != nil { try? await readinessClient.shutdown() }
            return harness
        } catch {
            if webConfig != nil { try? await readinessClient.shutdown() }
            try? FileManager.default.removeItem(at: dir)
            throw error
        }
    }

    private static func launch(binary: String, dir: URL, scheme: String, extra: [String], client readinessClient: HTTPClient) async throws -> PrometheusHarness {
        var lastError = ""
        for _ in 0..<5 {   // a free port can be taken between probing and binding: retry on another
            let port = try await freePort()
            let log = dir.appendingPathComponent("prometheus-\(port).log")
            let process = try ChildProcess.start(URL(fileURLWithPath: binary), [
                "--config.file=\(dir.appendingPathComponent("prometheus.yml").path)",
                "--storage.tsdb.path=\(dir.appendingPathComponent("data").path)",
                "--storage.tsdb.retention.time=1h",
                "--web.listen-address=127.0.0.1:\(port)",
                "--web.enable-lifecycle",
                "--log.level=warn",
            ] + extra, directory: dir, log: log)
            let harness = PrometheusHarness(port: port, directory: dir, process: process, scheme: scheme)
            if try await harness.waitUntilReady(client: readinessClient) { return harness }
            lastError = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            await harness.stop(removeDirectory: false)
        }
        throw Failure(description: "Prometheus did not become ready; last log:\n\(lastError.suffix(2000))")
    }

    private init(port: Int, directory: URL, process: Process, scheme: String) {
        self.port = port
        self.directory = directory
        self.process = process
        self.scheme = scheme
    }

    package var isRunning: Bool { process.isRunning }

    /// Polls `/-/ready` for up to 30 s; false if the process died (port taken, bad config).
    private func waitUntilReady(client: HTTPClient) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            guard process.isRunning else { return false }
            var request = HTTPClientRequest(url: "\(baseURL)/-/ready")
            request.method = .GET
            if let response = try? await client.execute(request, timeout: .seconds(2)), response.status == .ok {
                return true
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    /// SIGTERM, wait up to 10 s, then SIGKILL; removes the temporary directory.
    package func stop(removeDirectory: Bool = true) async {
        if process.isRunning {
            process.terminate()
            let deadline = ContinuousClock.now + .seconds(10)
            while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        }
        if removeDirectory { try? FileManager.default.removeItem(at: directory) }
    }

    /// A port nothing listens on now (bound, read, released).
    package static func freePort() async throws -> Int {
        let probe = try await HTTPServer(port: 0) { _ in HTTPResponse(status: .ok, text: "") }
        let port = probe.port
        await probe.shutdown()
        return port
    }

    /// Runs `body` with a started Prometheus and always stops it, also when `body` throws.
    package static func with<T>(targets: [String], webConfig: String? = nil,
                        _ body: (PrometheusHarness) async throws -> T) async throws -> T {
        let harness = try await start(targets: targets, webConfig: webConfig)
        do {
            let result = try await body(harness)
            await harness.stop()
            return result
        } catch {
            await harness.stop()
            throw error
        }
    }
}

