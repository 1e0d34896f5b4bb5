import Testing
@testable import InfernoControl
@testable import InfernoController
@testable import InfernoHTTP
@testable import InfernoKubernetes
@testable import InfernoPrometheus
@testable import InfernoSimulation
import InfernoTestSupport

@Suite struct PromSettingsTests {
    typealias K = ControllerSettings.Key

    @Test func defaults() throws {
        let s = try ControllerSettings.resolve()
        #expect(s.prometheus == nil && s.intervalSeconds == 60 && !s.scaleToZero && s.arrivalCounter == nil)
    }

    @Test func environmentOverridesTheConfigMapAndFlagsOverrideBoth() throws {
        let configMap = [K.baseURL: "http://cm-prometheus:9090", K.interval: "30s", K.scaleToZero: "true",
                         K.insecureSkipVerify: "true", K.caCertPath: "/etc/cm/ca.crt"]
        let env = [K.baseURL: "https://env-prometheus:9091", K.interval: "1m30s", K.insecureSkipVerify: ""]
        let s = try ControllerSettings.resolve(configMap: configMap, environment: env)
        #expect(s.prometheus?.baseURL == "https://env-prometheus:9091")
        #expect(s.intervalSeconds == 90)
        #expect(s.scaleToZero)                              // only in the ConfigMap
        #expect(s.prometheus?.insecureSkipVerify == true)   // empty env value does not blank the ConfigMap's
        #expect(s.prometheus?.caFile == "/etc/cm/ca.crt")
        #expect(s.sources[K.baseURL] == .environment && s.sources[K.scaleToZero] == .configMap)

        let f = try ControllerSettings.resolve(configMap: configMap, environment: env, flags: .init(
            prometheusURL: "https://flag-prometheus", prometheusInsecureSkipVerify: false, interval: "2m"))
        #expect(f.prometheus?.baseURL == "https://flag-prometheus")
        #expect(f.prometheus?.insecureSkipVerify == false)
        #expect(f.intervalSeconds == 120 && f.scaleToZero)
        #expect(f.sources[K.interval] == .flag)
    }

    @Test func tokenValueAndFileAreOneSetting() throws {
        let cm = [K.baseURL: "https://p", K.tokenPath: "/var/run/secrets/token"]
        // The environment's value overrides the ConfigMap's file.
        let s = try ControllerSettings.resolve(configMap: cm, environment: [K.bearerToken: "s3cret"])
        #expect(s.prometheus?.bearerToken == "s3cret" && s.prometheus?.tokenFile == nil)
        #expect(!s.summary.contains("s3cret"))
        // A flag's file overrides both.
        let f = try ControllerSettings.resolve(configMap: cm, environment: [K.bearerToken: "s3cret"],
                                               flags: .init(prometheusTokenFile: "/flag/token"))
        #expect(f.prometheus?.tokenFile == "/flag/token" && f.prometheus?.bearerToken == nil)
        // Both in one layer: ambiguous.
        #expect(throws: SettingsError.self) {
            try ControllerSettings.resolve(environment: [K.baseURL: "http://p", K.bearerToken: "a", K.tokenPath: "/b"])
        }
    }

    @Test func errorsNameTheKeyTheLayerAndTheValue() {
        func message(_ body: () throws -> ControllerSettings) -> String {
            do { _ = try body(); return "" } catch { return (error as? SettingsError)?.description ?? "not a SettingsError: \(error)" }
        }
        #expect(message { try ControllerSettings.resolve(environment: [K.interval: "60"]) }
                == #"GLOBAL_OPT_INTERVAL (environment): "60" is not a Go duration such as 60s or 1m30s"#)
        #expect(message { try ControllerSettings.resolve(configMap: [K.scaleToZero: "yes"]) }
                == #"WVA_SCALE_TO_ZERO (ConfigMap): "yes" is not true or false"#)
        #expect(message { try ControllerSettings.resolve(flags: .init(prometheusURL: "prometheus:9090")) }
                .hasPrefix(#"--prometheus-url: "prometheus:9090" is not an http(s) URL"#))
        #expect(message { try ControllerSettings.resolve(configMap: [K.interval: "0s"]) }.contains("from 1s to 720h"))
        #expect(message { try ControllerSettings.resolve(environment: [K.caCertPath: "/ca"]) }.contains("PROMETHEUS_BASE_URL"))
    }

    @Test func buildsTheLoadSource() async throws {
        let none = try ControllerSettings.resolve().makeLoadSource(logger: .init(label: "test"))
        #expect(none.client == nil)
        if case .missing = await none.source.load(of: PromCollectorTests.variant("m")) {} else { Issue.record("no Prometheus is not missing data") }
        let some = try ControllerSettings.resolve(environment: [K.baseURL: "http://127.0.0.1:9", K.arrivalCounter: "vllm:request_received_total"])
            .makeLoadSource(logger: .init(label: "test"))
        let source = try #require(some.source as? PrometheusLoadSource)
        #expect(source.queries.arrivalCounter == "vllm:request_received_total" && source.queries.window == "1m")
        await some.client?.shutdown()
    }

    @Test func reportsUnknownConfigMapKeys() throws {
        let s = try ControllerSettings.resolve(configMap: ["PROMETHEUS_BASE_URl": "x", K.interval: "60s"])
        #expect(s.unknownKeys == ["PROMETHEUS_BASE_URl"])
    }

    @Test func goDurations() throws {
        #expect(try GoDuration.seconds("60s") == 60)
        #expect(try GoDuration.seconds("1m30s") == 90)
        #expect(try GoDuration.seconds("1.5h") == 5400)
        #expect(try GoDuration.seconds("300ms") == 0.3)
        #expect(try GoDuration.seconds("2h45m") == 9900)
        #expect(try GoDuration.seconds("0") == 0)
        #expect(try GoDuration.seconds(".5m") == 30)
        for bad in ["", "60", "1x", "m", "1m 30s", "--1s", "."] {
            #expect(throws: GoDuration.Invalid.self, "\(bad)") { try GoDuration.seconds(bad) }
        }
        #expect(GoDuration.format(60) == "1m" && GoDuration.format(90) == "1m30s" && GoDuration.format(3600) == "1h"
                && GoDuration.format(5) == "5s" && GoDuration.format(0.25) == "250ms")
        #expect(GoBool.parse("TRUE") == true && GoBool.parse("0") == false && GoBool.parse("yes") == nil)
    }
}
