import AsyncHTTPClient
import Foundation
import InfernoMIP
import Logging
import Testing
@testable import InfernoControl
@testable import InfernoController
@testable import InfernoHTTP
@testable import InfernoKubernetes
@testable import InfernoPrometheus
@testable import InfernoSimulation
import InfernoTestSupport

/// The collector against a real Prometheus scraping an exporter with known rates.
///
/// Window: the tests use `rate(...[10s])` instead of production's `[1m]`: `rate()` divides by the whole range, so a
/// range not yet covered by samples under-reads, and a `[1m]` window would need more than a minute of scrapes per
/// test. The queries are otherwise the production ones (`VLLMQueries` with only `window` changed).
@Suite(.serialized) struct PromCollectorTests {
    static let window = "10s"
    static let windowSeconds = 10.0

    /// The exporter's models: two real ones (one with a quote and a backslash in its name, spread over two pods for
    /// the other), a decoy with the same model name in another namespace, an idle one, a frozen one.
    static let modelA = VLLMTestExporter.Model(name: "default/default", namespace: "llm-d-sim", pods: 2, requestsPerMinute: 30,
                                               promptTokens: 512, generationTokens: 128, ttftSeconds: 0.25, itlSeconds: 0.02,
                                               itl: .timePerOutputToken)
    static let decoy = VLLMTestExporter.Model(name: "default/default", namespace: "other-team", requestsPerMinute: 600,
                                              promptTokens: 100, generationTokens: 10, ttftSeconds: 2, itlSeconds: 0.5)
    static let modelB = VLLMTestExporter.Model(name: #"weird "model" \ v1"#, namespace: "llm-d-sim", requestsPerMinute: 60,
                                               promptTokens: 1024, generationTokens: 256, ttftSeconds: 0.5, itlSeconds: 0.04,
                                               itl: .both(olderSeconds: 0.1), waitingGrowthPerSecond: 0.1)
    static let idle = VLLMTestExporter.Model(name: "idle-model", namespace: "llm-d-sim", requestsPerMinute: 0)
    static func frozen(at ms: Int64) -> VLLMTestExporter.Model {
        VLLMTestExporter.Model(name: "frozen-model", namespace: "llm-d-sim", requestsPerMinute: 0, frozenAtMilliseconds: ms)
    }

    static func variant(_ model: String, namespace: String = "llm-d-sim", name: String = "v", current: Int = 3) -> VariantObservation {
        VariantObservation(
            id: VariantID(namespace: namespace, name: name), modelID: model, accelerator: "A100",
            profiles: [ModelProfile(model: model, accelerator: "A100", maxBatchSize: 4, atTokens: 128,
                                    decode: DecodeParameters(alpha: 20.58, beta: 0.41))],
            minReplicas: 1, maxReplicas: nil, scaleTarget: name, currentReplicas: current, readyReplicas: current,
            invalidReason: nil)
    }

    @Test func collectorMatchesKnownRatesAndHoldsWhenPrometheusStops() async throws {
        let frozenAt = Int64((Date().timeIntervalSince1970 - 30) * 1000)
        let exporter = try await VLLMTestExporter(models: [Self.modelA, Self.decoy, Self.modelB, Self.idle, Self.frozen(at: frozenAt)])
        defer { Task { await exporter.shutdown() } }
        // The controller's own /metrics, scraped by the same Prometheus (what an HPA or KEDA reads).
        let controllerMetrics = ControllerMetrics()
        let probes = try await ProbeServer.start(metrics: BindAddress(host: "127.0.0.1", port: 0), health: nil,
                                                 registry: controllerMetrics.registry, isReady: { true })
        defer { Task { await probes.shutdown() } }
        let harness = try await PrometheusHarness.start(targets: [exporter.target, "127.0.0.1:\(probes.metricsPort ?? 0)"])
        let client = try PrometheusClient(configuration: PrometheusConfiguration(baseURL: harness.baseURL, timeoutSeconds: 3))
        do {
            try await waitForFullWindow(client)
            let source = PrometheusLoadSource(client: client, queries: VLLMQueries(window: Self.window), staleAfterSeconds: 10)

            // Known rates, within 5 %.
            var rows: [(String, Double, Double)] = []
            func check(_ label: String, _ measured: Double?, _ expected: Double, sourceLocation: SourceLocation = #_sourceLocation) {
                let m = measured ?? .nan
                rows.append((label, m, expected))
                #expect(abs(m - expected) <= 0.05 * expected, "\(label): measured \(m), expected \(expected)", sourceLocation: sourceLocation)
            }
            let a = await source.load(of: Self.variant("default/default"))
            guard case .available(let la) = a else { Issue.record("model A: \(a)"); throw CancellationError() }
            check("A arrival req/min (2 pods)", la.arrivalRatePerMinute, 30)
            check("A mean input tokens", la.meanInputTokens, 512)
            check("A mean output tokens", la.meanOutputTokens, 128)
            check("A TTFT ms", la.ttftMilliseconds, 250)
            check("A ITL ms (time_per_output_token)", la.itlMilliseconds, 20)

            let b = await source.load(of: Self.variant(Self.modelB.name))
            guard case .available(let lb) = b else { Issue.record("model B: \(b)"); throw CancellationError() }
            check("B arrival req/min (60 done + 6 queued)", lb.arrivalRatePerMinute, 66)
            check("B mean input tokens", lb.meanInputTokens, 1024)
            check("B mean output tokens", lb.meanOutputTokens, 256)
            check("B TTFT ms", lb.ttftMilliseconds, 500)
            check("B ITL ms (inter_token_latency preferred)", lb.itlMilliseconds, 40)

            let decoy = await source.load(of: Self.variant("default/default", namespace: "other-team"))
            check("decoy arrival req/min", decoy.load?.arrivalRatePerMinute, 600)

            print("measured vs expected (Prometheus \(harness.baseURL), window \(Self.window)):")
            for (label, m, e) in rows {
                print("  " + label.padding(toLength: 42, withPad: " ", startingAt: 0)
                      + String(format: "%10.3f %10.3f %+6.2f%%", m, e, (m - e) / e * 100))
            }

            // Idle: series present, nothing moving → zero load, which is data, not missing data.
            let idle = await source.load(of: Self.variant("idle-model"))
            #expect(idle == .available(VariantLoad(arrivalRatePerMinute: 0, meanInputTokens: 0, meanOutputTokens: 0)))
            // No series at all → missing, never zero.
            let absent = await source.load(of: Self.variant("absent-model"))
            guard case .missing(let why) = absent else { Issue.record("absent model: \(absent)"); throw CancellationError() }
            #expect(why.contains("no vllm:num_requests_running series"))
            // The same name without the escaping would not match: the quote and backslash really reached Prometheus.
            let unescaped = await source.load(of: Self.variant(#"weird \"model\" \\ v1"#))
            #expect(unescaped.load == nil)
            // Newest sample 30 s old, limit 10 s → stale.
            let frozen = await source.load(of: Self.variant("frozen-model"))
            guard case .stale(let staleWhy) = frozen else { Issue.record("frozen model: \(frozen)"); throw CancellationError() }
            #expect(staleWhy.contains("old"))

            // Closed loop with Prometheus up: the variant is optimized.
            let actuator = RecordingActuator()
            let reconciler = Reconciler(cluster: StubCluster(variants: [Self.variant("default/default", name: "vllme-deployment")]),
                                        metrics: source, actuator: actuator,
                                        planner: Planner(analyzer: AnalyzerSettings(), solver: GreedySolver(), options: OptimizerOptions()),
                                        stabilizationWindowSeconds: 0, logger: Logger(label: "test"))
            let up = await reconciler.cycle(at: 0)
            #expect(up.decisions.first?.action == .scale)
            #expect(up.decisions.first?.load.load != nil)
            #expect(await reconciler.hasCompletedCycle)
            // Published, scraped and queryable as an autoscaler would query it.
            controllerMetrics.emit(decisions: up.decisions, outcomes: up.outcomes)
            let published = try await waitForValue(client, #"inferno_desired_replicas{variant_name="vllme-deployment",namespace="llm-d-sim",accelerator_type="A100"}"#)
            #expect(published == Double(up.decisions.first?.desired ?? -1))

            // Prometheus stops → failed, and the cycle keeps the replicas.
            await harness.stop()
            let down = await source.load(of: Self.variant("default/default"))
            guard case .failed(let failure) = down else { Issue.record("after stop: \(down)"); throw CancellationError() }
            #expect(failure.contains("unreachable"))
            let report = await reconciler.cycle(at: 60)
            let d = try #require(report.decisions.first)
            #expect(d.load.load == nil)
            if case .failed = d.load {} else { Issue.record("decision load \(d.load)") }
            #expect(d.current == 3 && d.desired == 3)
            if case .hold = d.action {} else { Issue.record("action \(d.action)") }
            #expect(report.outcomes[d.variant.id] != .scaled(from: 3, to: d.desired) || d.desired == 3)
            let applied = await actuator.applied.last ?? []
            #expect(applied.allSatisfy { $0.desired == $0.current })
        } catch {
            await client.shutdown()
            await harness.stop()
            throw error
        }
        await client.shutdown()
        await harness.stop()
    }

    /// Waits until Prometheus holds a full window of 1 s scrapes (10 samples in the last 10 s).
    func waitForFullWindow(_ client: PrometheusClient) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let v = try? await client.query("min(count_over_time(up{job=\"vllm\"}[\(Self.window)]))").samples.first?.value,
               v >= Self.windowSeconds - 0.5 {
                // One more scrape so the newest sample is inside the window's right edge too.
                try await Task.sleep(for: .seconds(1.5))
                return
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw PrometheusHarness.Failure(description: "Prometheus did not collect a full \(Self.window) window in 60 s")
    }

    /// Without Prometheus installed the tests fail and say how to install it; they are never skipped silently.
    @Test func aMissingPrometheusFailsWithTheFix() async {
        await #expect {
            _ = try await PrometheusHarness.start(targets: [], binary: "/nonexistent/prometheus")
        } throws: { error in
            "\(error)".contains("run scripts/setup.sh --test")
        }
    }

    /// Polls an instant query until it returns one sample (10 s at most).
    func waitForValue(_ client: PrometheusClient, _ promql: String) async throws -> Double? {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let v = try? await client.query(promql).samples.first?.value { return v }
            try await Task.sleep(for: .milliseconds(250))
        }
        return nil
    }

    @Test func tlsWithCAFileAndInsecureSkipVerify() async throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        let web = """
            tls_server_config:
              cert_file: \(pki.serverCert)
              key_file: \(pki.serverKey)

            """
        try await PrometheusHarness.with(targets: [], webConfig: web) { harness in
            #expect(harness.baseURL.hasPrefix("https://"))
            // Trusting the CA that signed the server's certificate.
            let trusted = try PrometheusClient(configuration: PrometheusConfiguration(baseURL: harness.baseURL, caFile: pki.caCert))
            let result = try await trusted.query("vector(42)")
            #expect(result.samples.map(\.value) == [42])
            await trusted.shutdown()
            // System roots only: the self-signed CA is unknown → a transport error.
            let untrusted = try PrometheusClient(configuration: PrometheusConfiguration(baseURL: harness.baseURL, timeoutSeconds: 3))
            await #expect(throws: PrometheusError.self) { _ = try await untrusted.query("vector(1)") }
            await untrusted.shutdown()
            // Skip verification.
            let insecure = try PrometheusClient(configuration: PrometheusConfiguration(baseURL: harness.baseURL, insecureSkipVerify: true))
            #expect(try await insecure.query("vector(7)").samples.map(\.value) == [7])
            await insecure.shutdown()
        }
    }
}

/// A CA and a server certificate for 127.0.0.1, made with the openssl command line.
struct TestPKI {
    let directory: URL
    var caCert: String { directory.appendingPathComponent("ca.crt").path }
    var serverCert: String { directory.appendingPathComponent("server.crt").path }
    var serverKey: String { directory.appendingPathComponent("server.key").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("inferno-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try """
            subjectAltName=IP:127.0.0.1,DNS:localhost
            basicConstraints=CA:FALSE
            keyUsage=digitalSignature,keyEncipherment
            extendedKeyUsage=serverAuth

            """.write(to: directory.appendingPathComponent("ext.cnf"), atomically: true, encoding: .utf8)
        try run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "1",
                 "-subj", "/CN=inferno-test-ca"])
        try run(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"])
        try run(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", "server.crt", "-days", "1", "-extfile", "ext.cnf"])
    }

    private func run(_ arguments: [String]) throws {
        let finished = try ChildProcess.run("/usr/bin/openssl", arguments, directory: directory)
        guard finished.status == 0 else {
            throw PrometheusHarness.Failure(description: "openssl \(arguments.joined(separator: " ")) failed: \(finished.stderr)")
        }
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

/// A fixed cluster: the given variants on A100s, the seed's Premium class.
struct StubCluster: ClusterSource {
    var variants: [VariantObservation]
    func observe() async throws -> ClusterObservation {
        ClusterObservation(
            variants: variants,
            accelerators: [Accelerator(name: "A100", type: "NVIDIA-A100-PCIE-80GB", costPerHour: 40)],
            capacity: Capacity(["NVIDIA-A100-PCIE-80GB": 8]),
            serviceClasses: [ServiceClass(name: "Premium", priority: 1,
                                          targets: ["default/default": SLOTarget(itlMilliseconds: 24, ttftMilliseconds: 500)])])
    }
}

/// Records what it was asked to apply; scales nothing.
actor RecordingActuator: Actuator {
    private(set) var applied: [[VariantDecision]] = []
    private(set) var recorded: [[VariantID: ActuationOutcome]] = []

    func apply(_ decisions: [VariantDecision]) async -> [VariantID: ActuationOutcome] {
        applied.append(decisions)
        var out: [VariantID: ActuationOutcome] = [:]
        for d in decisions {
            out[d.variant.id] = d.action == .scale && d.desired != d.current ? .scaled(from: d.current, to: d.desired) : .unchanged
        }
        return out
    }

    func record(_ decisions: [VariantDecision], outcomes: [VariantID: ActuationOutcome], at time: Double) async {
        recorded.append(outcomes)
    }
}
