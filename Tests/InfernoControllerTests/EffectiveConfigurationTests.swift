import AsyncHTTPClient
import Foundation
import Testing
@testable import InfernoController
@testable import InfernoHTTP
import InfernoTestSupport

/// The effective configuration against the precedence docs/reference.md states (flags > environment > ConfigMap >
/// default), worked out by hand for one set of layers; secrets never appear; unknown ConfigMap keys are named.
struct EffectiveConfigurationTests {
    static let configMap = ["GLOBAL_OPT_INTERVAL": "30s", "PROMETHEUS_BASE_URL": "http://cm:9090", "WVA_SCALE_TO_ZERO": "true",
                            "GLOBAL_OPT_INTERVALL": "1m"]
    static let environment = ["GLOBAL_OPT_INTERVAL": "45s", "PROMETHEUS_BEARER_TOKEN": "s3cret-token", "POD_NAMESPACE": "ops"]
    static let arguments = ["inferno-controller", "run", "--actuation=none", "--prometheus-url", "http://flag:9090"]

    static func configuration() throws -> EffectiveConfiguration {
        let command = try RunCommand.parse(Array(arguments.dropFirst(2)))
        let flags = ControllerSettings.Flags(prometheusURL: command.prometheusURL)
        let settings = try ControllerSettings.resolve(configMap: configMap, environment: environment, flags: flags)
        return command.effectiveConfiguration(settings, configMap: configMap, environment: environment, flags: flags,
                                              controllerNamespace: "ops", arguments: arguments)
    }

    @Test func everyValueWithItsSource() throws {
        let c = try Self.configuration()
        let byName = Dictionary(c.entries.map { ($0.name, ($0.value, $0.source)) }, uniquingKeysWith: { a, _ in a })
        #expect(byName["GLOBAL_OPT_INTERVAL"]! == ("45s", "environment"))
        #expect(byName["PROMETHEUS_BASE_URL"]! == ("http://flag:9090", "flag"))
        #expect(byName["WVA_SCALE_TO_ZERO"]! == ("true", "ConfigMap"))
        #expect(byName["PROMETHEUS_BEARER_TOKEN"]! == ("<redacted>", "environment"))
        #expect(byName["PROMETHEUS_TLS_INSECURE_SKIP_VERIFY"]! == ("false", "default"))
        #expect(byName["PROMETHEUS_CA_CERT_PATH"]! == ("", "default"))
        #expect(byName["--actuation"]! == ("none", "flag"))
        #expect(byName["--policy"]! == ("PriorityExhaustive", "default"))
        #expect(byName["--controller-namespace"]! == ("ops", "environment"))
        #expect(c.unknownConfigMapKeys == ["GLOBAL_OPT_INTERVALL"])
        #expect(!c.json.contains("s3cret") && !c.logLines.joined().contains("s3cret"))
    }

    /// `--itl-percentile`: listed with its default, parsed into the analyzer settings, and a bad value rejected by name.
    @Test func itlPercentileOption() throws {
        let byName = Dictionary(try Self.configuration().entries.map { ($0.name, ($0.value, $0.source)) }, uniquingKeysWith: { a, _ in a })
        #expect(byName["--itl-percentile"]! == ("mean", "default"))
        let p90 = try RunCommand.parse(["--actuation=none", "--itl-percentile", "p90"])
        #expect(p90.loop.analyzer.settings.itlPercentile == .quantile(0.9))
        #expect(p90.loop.analyzer.settings.percentile == .seed)
        do {
            _ = try RunCommand.parse(["--actuation=none", "--itl-percentile", "p100"])
            Issue.record("p100 accepted")
        } catch {
            #expect(RunCommand.message(for: error).contains("--itl-percentile: 'p100'"))
        }
    }

    @Test func servedOnDebugConfig() async throws {
        let c = try Self.configuration()
        let probes = try await ProbeServer.start(metrics: BindAddress(host: "127.0.0.1", port: 0), health: nil,
                                                 registry: MetricsRegistry(), debugConfig: c.json, isReady: { true })
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: "http://127.0.0.1:\(probes.metricsPort ?? 0)/debug/config"), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        await probes.shutdown()
        #expect(response.status.code == 200)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: body).utf8)) as? [String: Any])
        let settings = json["settings"] as? [[String: String]] ?? []
        #expect(settings.contains { $0 == ["name": "GLOBAL_OPT_INTERVAL", "value": "45s", "source": "environment"] })
        #expect(json["unknownConfigMapKeys"] as? [String] == ["GLOBAL_OPT_INTERVALL"])
    }
}
