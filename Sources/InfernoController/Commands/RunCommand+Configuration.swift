import Foundation
import Logging

extension RunCommand {
    /// The effective configuration: the layered settings (ConfigMap < environment < flags) and every other option.
    func effectiveConfiguration(_ settings: ControllerSettings, configMap: [String: String], environment: [String: String],
                                flags: ControllerSettings.Flags, controllerNamespace: String,
                                arguments: [String] = CommandLine.arguments) -> EffectiveConfiguration {
        func option(_ name: String, _ value: String) -> EffectiveConfiguration.Entry {
            EffectiveConfiguration.option(name, value, arguments: arguments)
        }
        var controllerNamespaceEntry = option("--controller-namespace", controllerNamespace)
        if self.controllerNamespace == nil {
            controllerNamespaceEntry.source = environment["POD_NAMESPACE"] != nil ? "environment" : "default"
        }
        let options = [
            option("--kubeconfig", kubeconfig ?? ""),
            option("--namespace", namespace ?? ""),
            controllerNamespaceEntry,
            option("--actuation", actuation.rawValue),
            option("--policy", policy.rawValue),
            option("--solver", loop.solver.rawValue),
            option("--stabilization-window", loop.stabilizationWindow.text),
            option("--lookahead", loop.lookahead.text),
            option("--batch-limit", loop.analyzer.batchLimit.rawValue),
            option("--slo-percentile", loop.analyzer.sloPercentile),
            option("--itl-percentile", loop.analyzer.itlPercentile),
            option("--tuning", loop.tuning.rawValue),
            option("--metrics-bind-address", metricsBindAddress),
            option("--health-probe-bind-address", healthProbeBindAddress),
            option("--leader-elect", "\(leaderElect)"),
            option("--log-format", logFormat.rawValue),
            option("--log-level", logLevel),
        ]
        return EffectiveConfiguration(
            entries: EffectiveConfiguration.settings(settings, configMap: configMap, environment: environment, flags: flags) + options,
            unknownConfigMapKeys: settings.unknownKeys)
    }

    /// One line with every value and its source; a warning naming the ConfigMap keys that are no setting.
    func logConfiguration(_ configuration: EffectiveConfiguration, logger: Logger) {
        logger.info("effective configuration", metadata: ["settings": .array(configuration.logLines.map { .string($0) })])
        if !configuration.unknownConfigMapKeys.isEmpty {
            logger.warning("unknown keys in the settings ConfigMap (ignored; a typo?)", metadata: [
                "configmap": "\(ControllerSettings.configMapName)",
                "keys": "\(configuration.unknownConfigMapKeys.joined(separator: ", "))",
            ])
        }
    }
}
