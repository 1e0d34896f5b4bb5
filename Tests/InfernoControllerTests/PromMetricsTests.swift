import AsyncHTTPClient
import Foundation
import InfernoMIP
import Testing
@testable import InfernoControl
@testable import InfernoController
@testable import InfernoHTTP
@testable import InfernoKubernetes
@testable import InfernoPrometheus
@testable import InfernoSimulation
import InfernoTestSupport

@Suite struct PromMetricsTests {
    /// Parses the text format back: `name{labels} value` → (name, labels, value); comments checked for shape.
    static func parse(_ text: String) throws -> [(name: String, labels: [String: String], value: Double)] {
        var out: [(String, [String: String], Double)] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { continue }
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") { continue }
            var s = Substring(line)
            let name = s.prefix { $0 != "{" && $0 != " " }
            s = s.dropFirst(name.count)
            var labels: [String: String] = [:]
            if s.first == "{" {
                s = s.dropFirst()
                while s.first != "}" {
                    let key = s.prefix { $0 != "=" }
                    s = s.dropFirst(key.count + 1)
                    guard s.first == "\"" else { throw ParseError(line: String(line)) }
                    s = s.dropFirst()
                    var value = ""
                    while let c = s.first, c != "\"" {
                        if c == "\\" {
                            s = s.dropFirst()
                            switch s.first { case "n": value += "\n"; case "\\": value += "\\"; case "\"": value += "\""
                            default: throw ParseError(line: String(line)) }
                        } else { value.append(c) }
                        s = s.dropFirst()
                    }
                    s = s.dropFirst()
                    labels[String(key)] = value
                    if s.first == "," { s = s.dropFirst() }
                }
                s = s.dropFirst()
            }
            guard s.first == " ", let v = PrometheusClient.parseValue(String(s.dropFirst())) else { throw ParseError(line: String(line)) }
            out.append((String(name), labels, v))
        }
        return out
    }
    struct ParseError: Error { var line: String }

    static func decision(_ name: String, namespace: String = "llm-d-sim", accelerator: String = "A100", current: Int?,
                         desired: Int, action: VariantDecision.Action = .scale, reason: String = "optimized",
                         load: LoadObservation = .available(VariantLoad(arrivalRatePerMinute: 20, meanInputTokens: 100, meanOutputTokens: 128)),
                         fullyServed: Bool = true) -> VariantDecision {
        var v = PromCollectorTests.variant("default/default", namespace: namespace, name: name, current: current ?? 0)
        v.currentReplicas = current
        return VariantDecision(variant: v, load: load, action: action, current: current ?? 0, desired: desired, optimized: desired,
                               accelerator: accelerator, reason: reason, fullyServed: fullyServed)
    }

    @Test func emitsEveryVariantEveryCycleAndParsesBack() throws {
        let metrics = ControllerMetrics()
        let up = Self.decision("up", current: 1, desired: 2)
        let zero = Self.decision(#"we"ird\name"#, current: 0, desired: 0)
        let held = Self.decision("held", current: 3, desired: 3, action: .hold("metrics unavailable"), load: .failed("down"))
        let unknown = Self.decision("unknown", current: nil, desired: 0, action: .hold("replicas unknown"))
        let decisions = [up, zero, held, unknown]
        metrics.emit(decisions: decisions, outcomes: [up.variant.id: .scaled(from: 1, to: 2), zero.variant.id: .unchanged,
                                                      held.variant.id: .unchanged, unknown.variant.id: .unchanged])
        metrics.recordCycle(seconds: 0.25, endedAt: 1_752_075_000, failed: false)

        let samples = try Self.parse(metrics.registry.exposition())
        func value(_ name: String, _ labels: [String: String]) -> Double? {
            samples.first { $0.name == name && $0.labels == labels }?.value
        }
        let upLabels = ["variant_name": "up", "namespace": "llm-d-sim", "accelerator_type": "A100"]
        #expect(value("inferno_desired_replicas", upLabels) == 2)
        #expect(value("inferno_current_replicas", upLabels) == 1)
        #expect(value("inferno_desired_ratio", upLabels) == 2)
        // Desired 0 is published (HPA must see it), label escaping survives the round trip, ratio = desired at current 0.
        let zeroLabels = ["variant_name": #"we"ird\name"#, "namespace": "llm-d-sim", "accelerator_type": "A100"]
        #expect(value("inferno_desired_replicas", zeroLabels) == 0)
        #expect(value("inferno_desired_ratio", zeroLabels) == 0)
        // Held: desired = current, ratio 1, metrics unavailable.
        let heldLabels = ["variant_name": "held", "namespace": "llm-d-sim", "accelerator_type": "A100"]
        #expect(value("inferno_desired_replicas", heldLabels) == 3)
        #expect(value("inferno_desired_ratio", heldLabels) == 1)
        #expect(value("inferno_variant_metrics_available", ["variant_name": "held", "namespace": "llm-d-sim"]) == 0)
        #expect(value("inferno_variant_metrics_available", ["variant_name": "up", "namespace": "llm-d-sim"]) == 1)
        // Unknown current replicas: no replica gauges at all (HPA holds), rather than a made-up 0.
        #expect(!samples.contains { $0.labels["variant_name"] == "unknown" && $0.name.hasSuffix("_replicas") })
        #expect(value("inferno_replica_scaling_total", ["variant_name": "up", "namespace": "llm-d-sim", "direction": "up", "reason": "optimized"]) == 1)
        #expect(value("inferno_cycle_duration_seconds", [:]) == 0.25)
        #expect(value("inferno_last_cycle_timestamp_seconds", [:]) == 1_752_075_000)
        #expect(value("inferno_cycles_total", ["result": "success"]) == 1)
        #expect(value("inferno_mip_fallback_total", [:]) == 0)

        // Next cycle: nothing changed → the same gauges again; a deleted variant disappears; the counter stays.
        metrics.emit(decisions: [up], outcomes: [up.variant.id: .unchanged])
        let again = try Self.parse(metrics.registry.exposition())
        #expect(again.contains { $0.name == "inferno_desired_replicas" && $0.labels == upLabels && $0.value == 2 })
        #expect(!again.contains { $0.name == "inferno_desired_replicas" && $0.labels["variant_name"] == "held" })
        #expect(again.contains { $0.name == "inferno_replica_scaling_total" && $0.value == 1 })
    }

    @Test func scalingReasonsAndFallbacks() {
        let metrics = ControllerMetrics()
        let down = Self.decision("d", current: 4, desired: 3, reason: "scale-down stabilisation (300 s window): holding 3, optimizer wants 1", fullyServed: true)
        let squeezed = Self.decision("s", current: 4, desired: 2, reason: "optimized; released 2 for capacity")
        let partial = Self.decision("p", current: 1, desired: 2, reason: "SLO not met", fullyServed: false)
        let broken = Self.decision("b", current: 1, desired: 2)
        metrics.emit(decisions: [down, squeezed, partial, broken],
                     outcomes: [down.variant.id: .scaled(from: 4, to: 3), squeezed.variant.id: .scaled(from: 4, to: 2),
                                partial.variant.id: .scaled(from: 1, to: 2), broken.variant.id: .failed("forbidden")])
        let r = metrics.registry
        #expect(r.value("inferno_replica_scaling_total", ["variant_name": "d", "namespace": "llm-d-sim", "direction": "down", "reason": "stabilization"]) == 1)
        #expect(r.value("inferno_replica_scaling_total", ["variant_name": "s", "namespace": "llm-d-sim", "direction": "down", "reason": "capacity"]) == 1)
        #expect(r.value("inferno_replica_scaling_total", ["variant_name": "p", "namespace": "llm-d-sim", "direction": "up", "reason": "best_effort"]) == 1)
        #expect(r.value("inferno_actuation_failures_total", ["variant_name": "b", "namespace": "llm-d-sim"]) == 1)
        metrics.recordCycle(seconds: 1, endedAt: 2, failed: true, solver: SolverDiagnostics(
            mip: MIPDiagnostics(status: "fallback", stages: [], gap: nil, fallbackReason: "no incumbent", components: 1)))
        #expect(r.value("inferno_mip_fallback_total") == 1)
        #expect(r.value("inferno_cycles_total", ["result": "failed"]) == 1)
    }

    /// promtool (Debian's prometheus package) is the reference linter of the exposition format.
    @Test func promtoolAcceptsTheExposition() throws {
        let metrics = ControllerMetrics()
        metrics.emit(decisions: [Self.decision("a", current: 1, desired: 2), Self.decision(#"q"\"#, current: 2, desired: 0)],
                     outcomes: [VariantID(namespace: "llm-d-sim", name: "a"): .scaled(from: 1, to: 2)])
        metrics.recordCycle(seconds: 0.5, endedAt: 10, failed: false)
        let checked = try ChildProcess.run("/usr/bin/promtool", ["check", "metrics"], input: Data(metrics.registry.exposition().utf8))
        #expect(checked.status == 0, "promtool: \(checked.stdout)\(checked.stderr)")
    }

    @Test func probeServerServesMetricsAndReadiness() async throws {
        let metrics = ControllerMetrics()
        metrics.emit(decisions: [Self.decision("a", current: 1, desired: 2)], outcomes: [:])
        let ready = ReadyFlag()
        let probes = try await ProbeServer.start(metrics: BindAddress(host: "127.0.0.1", port: 0),
                                                 health: BindAddress(host: "127.0.0.1", port: 0),
                                                 registry: metrics.registry, isReady: { ready.value })
        func get(_ port: Int?, _ path: String) async throws -> (Int, String) {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port ?? 0)\(path)"), timeout: .seconds(60))
            let body = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), String(buffer: body))
        }
        #expect(probes.metricsPort != probes.healthPort)
        let (status, text) = try await get(probes.metricsPort, "/metrics")
        #expect(status == 200 && text.contains(#"inferno_desired_replicas{variant_name="a",namespace="llm-d-sim",accelerator_type="A100"} 2"#))
        #expect(try await get(probes.healthPort, "/healthz").0 == 200)
        #expect(try await get(probes.healthPort, "/readyz").0 == 503)
        ready.value = true
        #expect(try await get(probes.healthPort, "/readyz").0 == 200)
        #expect(try await get(probes.healthPort, "/metrics").0 == 404)
        await probes.shutdown()

        // The same address for both: one server answers all three paths.
        let port = try await PrometheusHarness.freePort()
        let shared = try await ProbeServer.start(metrics: BindAddress(host: "127.0.0.1", port: port),
                                                 health: BindAddress(host: "127.0.0.1", port: port),
                                                 registry: metrics.registry, isReady: { true })
        #expect(shared.metricsPort == port && shared.healthPort == port)
        #expect(try await get(port, "/metrics").0 == 200)
        #expect(try await get(port, "/readyz").0 == 200)
        #expect(try await get(port, "/healthz").0 == 200)
        await shared.shutdown()
    }

    @Test func parsesBindAddresses() throws {
        #expect(try BindAddress(parsing: ":8080", flag: "--metrics-bind-address") == BindAddress(host: "0.0.0.0", port: 8080))
        #expect(try BindAddress(parsing: "127.0.0.1:8081", flag: "x") == BindAddress(host: "127.0.0.1", port: 8081))
        #expect(try BindAddress(parsing: "[::1]:9000", flag: "x") == BindAddress(host: "::1", port: 9000))
        #expect(try BindAddress(parsing: "0", flag: "x") == nil)
        #expect(throws: BindAddressError.self) { try BindAddress(parsing: "8080", flag: "--metrics-bind-address") }
        #expect(throws: BindAddressError.self) { try BindAddress(parsing: ":99999", flag: "x") }
    }

    final class ReadyFlag: @unchecked Sendable {
        private let lock = NSLock()
        private var _value = false
        var value: Bool {
            get { lock.withLock { _value } }
            set { lock.withLock { _value = newValue } }
        }
    }
}
