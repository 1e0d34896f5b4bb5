import Foundation
import InfernoControl
import InfernoHTTP
import InfernoPrometheus

/// The controller settings (docs/formats.md §3), merged from three layers: the settings ConfigMap's `data`, the
/// environment (wins over the ConfigMap, as upstream), and command-line flags (win over both). Empty values count as
/// unset, so `env: [{name: X, value: ""}]` does not blank out a ConfigMap value.
struct ControllerSettings: Sendable, Equatable {
    /// Prometheus, when a URL was given anywhere (`nil` runs without load data: every variant holds).
    var prometheus: PrometheusConfiguration?
    /// Seconds between cycles (`GLOBAL_OPT_INTERVAL`, Go duration).
    var intervalSeconds: Double = LoopSettings.defaultIntervalSeconds
    /// Whether a variant may go to 0 replicas when idle (`WVA_SCALE_TO_ZERO`); otherwise at least 1.
    var scaleToZero = false
    /// A counter of requests received with `model_name`/`namespace` labels, used instead of completions + queue
    /// growth (`PROMETHEUS_ARRIVAL_COUNTER`, an Inferno extension).
    var arrivalCounter: String?
    /// PromQL for a model's demand that no variant's pod sees (queued or dropped at its gateway), requests per
    /// minute, with `$model` and `$namespace` replaced by the model's quoted labels (`INFERNO_GATEWAY_QUERY`).
    var gatewayQuery: String?
    /// Seconds a model with `minReplicas: 0` must go without requests before it may scale to zero
    /// (`INFERNO_SCALE_TO_ZERO_RETENTION`, Go duration; WVA's default, 10 minutes).
    var retentionSeconds: Double = LoopSettings.defaultRetentionSeconds
    /// Where each resolved key came from (for the start-up log).
    var sources: [String: Source] = [:]
    /// ConfigMap keys that are not settings (likely typos), sorted.
    var unknownKeys: [String] = []

    enum Source: String, Sendable, Equatable { case configMap = "ConfigMap", environment, flag }

    enum Key {
        static let baseURL = "PROMETHEUS_BASE_URL"
        static let insecureSkipVerify = "PROMETHEUS_TLS_INSECURE_SKIP_VERIFY"
        static let caCertPath = "PROMETHEUS_CA_CERT_PATH"
        static let bearerToken = "PROMETHEUS_BEARER_TOKEN"
        static let tokenPath = "PROMETHEUS_TOKEN_PATH"
        static let interval = "GLOBAL_OPT_INTERVAL"
        static let scaleToZero = "WVA_SCALE_TO_ZERO"
        static let arrivalCounter = "PROMETHEUS_ARRIVAL_COUNTER"
        static let gatewayQuery = "INFERNO_GATEWAY_QUERY"
        static let retention = "INFERNO_SCALE_TO_ZERO_RETENTION"
        static let all = [baseURL, insecureSkipVerify, caCertPath, bearerToken, tokenPath, interval, scaleToZero, arrivalCounter,
                          gatewayQuery, retention]
    }

    /// Flag values (`nil` = not given), named as on the command line for error messages.
    struct Flags: Sendable, Equatable {
        var prometheusURL: String?
        var prometheusCAFile: String?
        var prometheusTokenFile: String?
        var prometheusInsecureSkipVerify: Bool?
        /// `--interval`, a Go duration.
        var interval: String?
        /// `--retention-window`, a Go duration.
        var retentionWindow: String?
        init(prometheusURL: String? = nil, prometheusCAFile: String? = nil, prometheusTokenFile: String? = nil,
             prometheusInsecureSkipVerify: Bool? = nil, interval: String? = nil, retentionWindow: String? = nil) {
            self.prometheusURL = prometheusURL
            self.prometheusCAFile = prometheusCAFile
            self.prometheusTokenFile = prometheusTokenFile
            self.prometheusInsecureSkipVerify = prometheusInsecureSkipVerify
            self.interval = interval
            self.retentionWindow = retentionWindow
        }
    }

    /// The flag that sets each key, for messages.
    static let flagNames: [String: String] = [
        Key.baseURL: "--prometheus-url", Key.caCertPath: "--prometheus-ca-file", Key.tokenPath: "--prometheus-token-file",
        Key.insecureSkipVerify: "--prometheus-insecure-skip-verify", Key.interval: "--interval",
        Key.retention: "--retention-window",
    ]

    /// Merges the layers; throws naming the key, the layer and the bad value.
    static func resolve(configMap: [String: String] = [:], environment: [String: String] = [:],
                        flags: Flags = Flags()) throws(SettingsError) -> ControllerSettings {
        var flagValues: [String: String] = [:]
        flagValues[Key.baseURL] = flags.prometheusURL
        flagValues[Key.caCertPath] = flags.prometheusCAFile
        flagValues[Key.tokenPath] = flags.prometheusTokenFile
        flagValues[Key.insecureSkipVerify] = flags.prometheusInsecureSkipVerify.map { $0 ? "true" : "false" }
        flagValues[Key.interval] = flags.interval
        flagValues[Key.retention] = flags.retentionWindow
        // Highest precedence first.
        let layers: [(Source, [String: String])] = [(.flag, flagValues), (.environment, environment), (.configMap, configMap)]

        var settings = ControllerSettings()
        func lookup(_ key: String) -> (value: String, source: Source)? {
            for (source, values) in layers {
                if let v = values[key]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty {
                    settings.sources[key] = source
                    return (v, source)
                }
            }
            return nil
        }
        func name(_ key: String, _ source: Source) -> String {
            source == .flag ? (flagNames[key] ?? key) : "\(key) (\(source.rawValue))"
        }

        if let (v, source) = lookup(Key.interval) {
            let seconds: Double
            do { seconds = try GoDuration.seconds(v) } catch {
                throw .invalid(name(Key.interval, source), value: v, expected: "a Go duration such as 60s or 1m30s")
            }
            guard seconds >= 1, seconds <= GoDuration.limitSeconds else {
                throw .invalid(name(Key.interval, source), value: v, expected: "a duration from 1s to \(GoDuration.limitText)")
            }
            settings.intervalSeconds = seconds
        }
        if let (v, source) = lookup(Key.scaleToZero) {
            guard let b = GoBool.parse(v) else { throw .invalid(name(Key.scaleToZero, source), value: v, expected: "true or false") }
            settings.scaleToZero = b
        }
        if let (v, _) = lookup(Key.arrivalCounter) {
            guard MetricsRegistry.isValidName(v) else {
                throw .invalid(Key.arrivalCounter, value: v, expected: "a Prometheus metric name such as vllm:request_received_total")
            }
            settings.arrivalCounter = v
        }
        if let (v, source) = lookup(Key.gatewayQuery) {
            guard v.contains("$model") else {
                throw .invalid(name(Key.gatewayQuery, source), value: v, expected: "PromQL naming the model as $model, e.g. sum(...{target_model_name=$model})")
            }
            settings.gatewayQuery = v
        }
        if let (v, source) = lookup(Key.retention) {
            let seconds: Double
            do { seconds = try GoDuration.seconds(v) } catch {
                throw .invalid(name(Key.retention, source), value: v, expected: "a Go duration such as 10m")
            }
            guard seconds >= 0, seconds <= GoDuration.limitSeconds else {
                throw .invalid(name(Key.retention, source), value: v, expected: "a duration from 0 to \(GoDuration.limitText)")
            }
            settings.retentionSeconds = seconds
        }

        var prometheus = PrometheusConfiguration(baseURL: "")
        if let (v, source) = lookup(Key.baseURL) {
            guard let url = URL(string: v), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                  let host = url.host, !host.isEmpty else {
                throw .invalid(name(Key.baseURL, source), value: v, expected: "an http(s) URL such as https://prometheus.monitoring:9090")
            }
            prometheus.baseURL = v
        }
        if let (v, source) = lookup(Key.insecureSkipVerify) {
            guard let b = GoBool.parse(v) else {
                throw .invalid(name(Key.insecureSkipVerify, source), value: v, expected: "true or false")
            }
            prometheus.insecureSkipVerify = b
        }
        if let (v, _) = lookup(Key.caCertPath) { prometheus.caFile = v }
        // The token value and the token file are one setting: the highest layer that sets either decides.
        for (source, values) in layers {
            let token = values[Key.bearerToken].flatMap { $0.isEmpty ? nil : $0 }
            let path = values[Key.tokenPath]?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
            if token != nil, path != nil {
                throw .conflict("\(Key.bearerToken) and \(Key.tokenPath) are both set in the \(source.rawValue); set one")
            }
            if let token {
                prometheus.bearerToken = token.trimmingCharacters(in: .whitespacesAndNewlines)
                settings.sources[Key.bearerToken] = source
                settings.sources[Key.tokenPath] = nil
                break
            }
            if let path {
                prometheus.tokenFile = path
                settings.sources[Key.tokenPath] = source
                break
            }
        }
        if !prometheus.baseURL.isEmpty {
            settings.prometheus = prometheus
        } else if prometheus.caFile != nil || prometheus.tokenFile != nil || prometheus.bearerToken != nil {
            throw .conflict("Prometheus TLS or token settings are given but \(Key.baseURL) (--prometheus-url) is not")
        }
        let known = Set(Key.all)
        settings.unknownKeys = configMap.keys.filter { !known.contains($0) }.sorted()
        return settings
    }

    /// Settings for a log line: the token is never shown.
    var summary: String {
        var parts = ["interval=\(GoDuration.format(intervalSeconds))", "scaleToZero=\(scaleToZero)"]
        if let p = prometheus {
            parts.append("prometheus=\(p.baseURL)")
            if let ca = p.caFile { parts.append("ca=\(ca)") }
            if p.insecureSkipVerify { parts.append("insecureSkipVerify=true") }
            if let f = p.tokenFile { parts.append("tokenFile=\(f)") } else if p.bearerToken != nil { parts.append("token=<set>") }
        } else {
            parts.append("prometheus=<none>")
        }
        if let c = arrivalCounter { parts.append("arrivalCounter=\(c)") }
        if let q = gatewayQuery { parts.append("gatewayQuery=\(q)") }
        if retentionSeconds != LoopSettings.defaultRetentionSeconds { parts.append("retention=\(GoDuration.format(retentionSeconds))") }
        return parts.joined(separator: " ")
    }
}

enum SettingsError: Error, CustomStringConvertible, Equatable {
    /// `what` names the key and layer (`GLOBAL_OPT_INTERVAL (environment)`) or the flag.
    case invalid(_ what: String, value: String, expected: String)
    case conflict(String)

    var description: String {
        switch self {
        case .invalid(let what, let value, let expected): "\(what): \"\(value)\" is not \(expected)"
        case .conflict(let message): message
        }
    }
}

/// Go's `time.ParseDuration`: a sequence of decimal numbers with units, `300ms`, `1.5h`, `2h45m`, `-1m` (units
/// `ns`, `us`, `µs`, `ms`, `s`, `m`, `h`); a bare `0` is allowed, other bare numbers are not.
enum GoDuration {
    struct Invalid: Error {}

    /// The longest interval or window the controller accepts: 30 days, far beyond any sensible setting, and small
    /// enough that every count derived from it (cycles, milliseconds, whole seconds in messages) fits an `Int`.
    static let limitSeconds = 30 * 24 * 3600.0
    static let limitText = "720h (30 days)"

    static func seconds(_ text: String) throws(Invalid) -> Double {
        var s = Substring(text)
        var sign = 1.0
        if s.first == "-" || s.first == "+" { sign = s.first == "-" ? -1 : 1; s = s.dropFirst() }
        if s == "0" { return 0 }
        guard !s.isEmpty else { throw Invalid() }
        var total = 0.0
        while !s.isEmpty {
            let number = s.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number != ".", let value = Double(number.hasPrefix(".") ? "0" + number : String(number)) else {
                throw Invalid()
            }
            s = s.dropFirst(number.count)
            let unit = s.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            s = s.dropFirst(unit.count)
            let scale: Double
            switch unit {
            case "ns": scale = 1e-9
            case "us", "µs", "μs": scale = 1e-6
            case "ms": scale = 1e-3
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            default: throw Invalid()
            }
            total += value * scale
        }
        return sign * total
    }

    /// `60s`, `1m30s`, `1h`, `500ms`: the shortest spelling of whole units.
    static func format(_ seconds: Double) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        var rest = Int(seconds.rounded())
        var out = ""
        if rest >= 3600 { out += "\(rest / 3600)h"; rest %= 3600 }
        if rest >= 60 { out += "\(rest / 60)m"; rest %= 60 }
        if rest > 0 || out.isEmpty { out += "\(rest)s" }
        return out
    }
}

/// Go's `strconv.ParseBool` (1, t, true, 0, f, false in any case).
enum GoBool {
    static func parse(_ s: String) -> Bool? {
        switch s.lowercased() {
        case "1", "t", "true": true
        case "0", "f", "false": false
        default: nil
        }
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}

extension ControllerSettings {
    /// The settings ConfigMap in the controller namespace (upstream: `<prefix>-variantautoscaling-config`).
    static let configMapName = "inferno-variantautoscaling-config"
}
