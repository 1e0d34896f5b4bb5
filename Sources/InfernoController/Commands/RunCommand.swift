import ArgumentParser
import Foundation
import InfernoControl
import InfernoHTTP
import InfernoKubernetes
import InfernoMIP
import InfernoPrometheus
import Logging
import ServiceLifecycle

/// `inferno-controller run`: the controller on a real cluster (the container's entrypoint).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the controller against a Kubernetes cluster and Prometheus.",
        discussion: """
            Reconciles VariantAutoscaling resources (llmd.ai/v1alpha1) every interval and whenever the set of them \
            changes: reads GPU inventory from nodes, costs and service classes from ConfigMaps, load from \
            Prometheus; optimizes; scales Deployments (or only publishes metrics); writes status. See \
            docs/reference.md for every flag, ConfigMap and metric.
            """)

    @Option(help: "Path to a kubeconfig (default: in-cluster service account, else $KUBECONFIG, else ~/.kube/config).")
    var kubeconfig: String?

    @Option(help: "Watch VariantAutoscalings in this namespace only (default: all namespaces).")
    var namespace: String?

    @Option(name: .customLong("controller-namespace"), help: "Namespace of the ConfigMaps and the leader-election Lease (default: $POD_NAMESPACE, else inferno-system).")
    var controllerNamespace: String?

    @Option(name: .customLong("metrics-bind-address"), help: "Address of /metrics; 0 disables it.")
    var metricsBindAddress = ":8080"

    @Option(name: .customLong("health-probe-bind-address"), help: "Address of /healthz and /readyz; 0 disables it.")
    var healthProbeBindAddress = ":8081"

    @Flag(name: .customLong("leader-elect"), help: "Hold a Lease before acting, so that only one replica of the controller acts.")
    var leaderElect = false

    @Option(help: "Saturation policy when GPUs run short: PriorityExhaustive (default), PriorityRoundRobin, RoundRobin or None.")
    var policy: SaturationPolicy = .priorityExhaustive

    @Option(help: "Actuation: scale (set Deployment replicas), metrics (only publish inferno_desired_replicas and WVA's wva_desired_replicas for HPA/KEDA) or none (observe only: write no Deployment).")
    var actuation: KubernetesActuator.Mode = .scale

    @Option(name: .customLong("prometheus-url"), help: "Prometheus base URL (overrides PROMETHEUS_BASE_URL).")
    var prometheusURL: String?

    @Option(name: .customLong("prometheus-ca-file"), help: "CA bundle of Prometheus' certificate (overrides PROMETHEUS_CA_CERT_PATH).")
    var prometheusCAFile: String?

    @Option(name: .customLong("prometheus-token-file"), help: "Bearer token file, re-read every query (overrides PROMETHEUS_TOKEN_PATH).")
    var prometheusTokenFile: String?

    @Flag(name: .customLong("prometheus-insecure-skip-verify"), help: "Do not verify Prometheus' certificate.")
    var prometheusInsecureSkipVerify = false

    @Option(name: .customLong("log-format"), help: "Log format: json (for clusters) or text.")
    var logFormat: LogFormat = .text

    @Option(name: .customLong("log-level"), help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = "info"

    @OptionGroup var loop: LoopOptions

    /// Parsed once, in `validate()`.
    private var addresses: (metrics: BindAddress?, health: BindAddress?)?
    private var level: Logger.Level = .info

    enum LogFormat: String, ExpressibleByArgument { case json, text }

    // The flags; `addresses` and `level` are not decoded but set by `validate()`.
    private enum CodingKeys: String, CodingKey {
        case kubeconfig, namespace, controllerNamespace, metricsBindAddress, healthProbeBindAddress, leaderElect, policy,
             actuation, prometheusURL, prometheusCAFile, prometheusTokenFile, prometheusInsecureSkipVerify, logFormat,
             logLevel, loop
    }

    mutating func validate() throws {
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("--log-level: \"\(logLevel)\" is not a log level") }
        self.level = level
        let metrics = try BindAddress(parsing: metricsBindAddress, flag: "--metrics-bind-address")
        let health = try BindAddress(parsing: healthProbeBindAddress, flag: "--health-probe-bind-address")
        addresses = (metrics, health)
    }

    func run() async throws {
        guard let addresses else { throw ValidationError("internal: run() before validate()") }
        bootstrapLogging()
        let logger = Logger(label: "inferno.controller")
        let environment = ProcessInfo.processInfo.environment
        let controllerNamespace = self.controllerNamespace ?? environment["POD_NAMESPACE"] ?? "inferno-system"

        let connection = try KubeConnection.resolve(kubeconfig: kubeconfig)
        let client = try KubernetesClient(connection: connection, logger: Logger(label: "inferno.kubernetes"))
        var prometheusClient: PrometheusClient?
        do {
            let (settings, effective) = try await resolveSettings(client: client, controllerNamespace: controllerNamespace,
                                                                  environment: environment, logger: logger)
            let loads = try settings.makeLoadSource(logger: Logger(label: "inferno.prometheus"))
            prometheusClient = loads.client
            if loads.client == nil { logger.warning("no Prometheus URL: every variant keeps its replicas (no load data)") }
            let group = try await serviceGroup(client: client, settings: settings, effective: effective, loads: loads.source,
                                               addresses: addresses, controllerNamespace: controllerNamespace,
                                               identity: environment["POD_NAME"] ?? ProcessInfo.processInfo.hostName, logger: logger)
            try await group.run()
            logger.notice("stopped")
        } catch {
            await Self.close(client: client, prometheus: prometheusClient)
            if error is CancellationError { return }
            throw error
        }
        await Self.close(client: client, prometheus: prometheusClient)
    }

    /// The HTTP clients outlive the group and are closed on every way out (AsyncHTTPClient requires it).
    private static func close(client: KubernetesClient, prometheus: PrometheusClient?) async {
        await prometheus?.shutdown()
        try? await client.shutdown()
    }

    private func bootstrapLogging() {
        let level = self.level, json = logFormat == .json
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    /// Settings: ConfigMap < environment < flags; the effective configuration is logged once here.
    private func resolveSettings(client: KubernetesClient, controllerNamespace: String, environment: [String: String],
                                 logger: Logger) async throws -> (ControllerSettings, EffectiveConfiguration) {
        var configMap: [String: String] = [:]
        do {
            let object = try await client.getObject(.configMaps, name: ControllerSettings.configMapName, namespace: controllerNamespace)
            for (k, v) in object["data"]?.object ?? [:] { if let s = v.string { configMap[k] = s } }
        } catch let error as KubernetesError where error.code == .notFound {
            logger.notice("no settings ConfigMap; using environment and flags",
                          metadata: ["configmap": "\(controllerNamespace)/\(ControllerSettings.configMapName)"])
        }
        let flags = ControllerSettings.Flags(
            prometheusURL: prometheusURL, prometheusCAFile: prometheusCAFile, prometheusTokenFile: prometheusTokenFile,
            prometheusInsecureSkipVerify: prometheusInsecureSkipVerify ? true : nil, interval: loop.interval?.goDuration,
            retentionWindow: loop.retentionWindow?.goDuration)
        let settings = try ControllerSettings.resolve(configMap: configMap, environment: environment, flags: flags)
        let effective = effectiveConfiguration(settings, configMap: configMap, environment: environment, flags: flags,
                                               controllerNamespace: controllerNamespace)
        logConfiguration(effective, logger: logger)
        return (settings, effective)
    }

    /// The reconciler on the cluster, its endpoints and (with `--leader-elect`) leader election, as one group.
    private func serviceGroup(client: KubernetesClient, settings: ControllerSettings, effective: EffectiveConfiguration,
                              loads: any LoadSource, addresses: (metrics: BindAddress?, health: BindAddress?),
                              controllerNamespace: String, identity: String, logger: Logger) async throws -> ServiceGroup {
        let metrics = ControllerMetrics(wvaCompatible: actuation == .metrics)
        let fleet = FleetMetrics(registry: metrics.registry)
        let events = KubernetesEventRecorder(client: client, instance: identity)
        let source = KubernetesClusterSource(client: client, watchNamespace: namespace, configNamespace: controllerNamespace,
                                             defaultMinReplicas: settings.scaleToZero ? 0 : 1)
        let actuator = KubernetesActuator(client: client, mode: actuation,
                                          metricsSink: { metrics.emit(decisions: $0, outcomes: $1); fleet.emit(decisions: $0) },
                                          configNamespace: controllerNamespace, events: events)
        let options = OptimizerOptions(saturationPolicy: policy, timeLimitSeconds: min(10, settings.intervalSeconds / 4))
        let reconciler = loop.settings(intervalSeconds: settings.intervalSeconds, retentionSeconds: settings.retentionSeconds,
                                       options: options)
            .makeReconciler(cluster: source, metrics: loads, actuator: actuator, logger: Logger(label: "inferno.reconciler"))
        let probes = try await ProbeServer.start(
            metrics: addresses.metrics, health: addresses.health, registry: metrics.registry, debugConfig: effective.json,
            isReady: { await reconciler.hasCompletedCycle })
        let elector = leaderElect
            ? LeaderElector(client: client, configuration: .init(namespace: controllerNamespace, name: "inferno-controller-leader",
                                                                  identity: identity))
            : nil
        var control = ControlLoop(reconciler: reconciler, clock: WallClock(shouldStop: ControlLoopService.shutdownRequested),
                                  watcher: source, intervalSeconds: settings.intervalSeconds, logger: logger)
        control.shouldStop = ControlLoopService.shutdownRequested
        if let elector { control.isLeader = { await elector.isLeader } }
        control.onCycle = { (report: CycleReport) in
            metrics.recordCycle(seconds: report.seconds, endedAt: Date().timeIntervalSince1970, failed: report.failed,
                                solver: report.solverDiagnostics)
            fleet.record(usage: report.usage)
            await events.record(VariantEvent.solverFallback(report.solverDiagnostics, variants: report.decisions.map(\.variant.id)),
                                at: Date().timeIntervalSince1970)
        }
        logger.info("controller started", metadata: [
            "solver": "\(loop.solver.rawValue)", "actuation": "\(actuation.rawValue)", "interval": "\(settings.intervalSeconds)s",
            "namespace": "\(namespace ?? "all")", "controllerNamespace": "\(controllerNamespace)",
        ])
        return .controller(loop: ControlLoopService(loop: control),
                           elector: elector.map { LeaderElectionService(elector: $0, logger: logger) },
                           probes: ProbeService(probes: probes), gracePeriod: .seconds(25), logger: logger)
    }
}

extension KubernetesActuator.Mode: ExpressibleByArgument {}
