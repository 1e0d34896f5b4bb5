import Foundation

/// Every setting the controller runs with, its value and where the value came from (flag, environment, ConfigMap,
/// default): logged at start-up and served on `/debug/config`, so that "which interval is it using, and why" has
/// one answer. Secrets are redacted; ConfigMap keys that are no setting are named.
struct EffectiveConfiguration: Sendable, Equatable {
    struct Entry: Sendable, Equatable, Codable {
        var name: String
        var value: String
        /// `flag`, `environment`, `ConfigMap` or `default`.
        var source: String
    }

    var entries: [Entry]
    var unknownConfigMapKeys: [String]

    static let redacted = "<redacted>"
    static let secretKeys: Set<String> = [ControllerSettings.Key.bearerToken]
    /// The defaults of the layered settings, as `ControllerSettings` applies them ("" when unset means "off").
    static let settingDefaults: [String: String] = [
        ControllerSettings.Key.interval: GoDuration.format(ControllerSettings().intervalSeconds),
        ControllerSettings.Key.scaleToZero: "false",
        ControllerSettings.Key.insecureSkipVerify: "false",
    ]

    /// The layered settings as resolved: the winning layer is `settings.sources` (the precedence is
    /// `ControllerSettings.resolve`'s alone); the value is that layer's text, trimmed.
    static func settings(_ settings: ControllerSettings, configMap: [String: String], environment: [String: String],
                         flags: ControllerSettings.Flags) -> [Entry] {
        let flagValues: [String: String] = [
            ControllerSettings.Key.baseURL: flags.prometheusURL, ControllerSettings.Key.caCertPath: flags.prometheusCAFile,
            ControllerSettings.Key.tokenPath: flags.prometheusTokenFile,
            ControllerSettings.Key.insecureSkipVerify: flags.prometheusInsecureSkipVerify.map { $0 ? "true" : "false" },
            ControllerSettings.Key.interval: flags.interval,
        ].compactMapValues { $0 }
        return ControllerSettings.Key.all.map { key in
            guard let source = settings.sources[key] else {
                return Entry(name: key, value: settingDefaults[key] ?? "", source: "default")
            }
            let raw: String? = switch source {
            case .flag: flagValues[key]
            case .environment: environment[key]
            case .configMap: configMap[key]
            }
            let value = raw?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            return Entry(name: key, value: secretKeys.contains(key) ? redacted : value, source: source.rawValue)
        }
    }

    /// A command-line option that is not a layered setting: `flag` when it is on the command line, else `default`.
    static func option(_ name: String, _ value: String, arguments: [String] = CommandLine.arguments) -> Entry {
        let given = arguments.contains { $0 == name || $0.hasPrefix(name + "=") }
        return Entry(name: name, value: value, source: given ? "flag" : "default")
    }

    /// `{"settings": [{name, value, source}…], "unknownConfigMapKeys": […]}`, sorted keys: the `/debug/config` body.
    var json: String {
        struct Body: Codable { var settings: [Entry]; var unknownConfigMapKeys: [String] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(Body(settings: entries, unknownConfigMapKeys: unknownConfigMapKeys))) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// `name=value (source)` per entry, for the start-up log.
    var logLines: [String] { entries.map { "\($0.name)=\($0.value.isEmpty ? "<unset>" : $0.value) (\($0.source))" } }
}
