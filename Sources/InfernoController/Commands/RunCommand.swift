import ArgumentParser
import Foundation
import InfernoMIP
import Logging

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

    @Option(help: "Time between cycles, a Go duration such as 60s or 1m30s (default: GLOBAL_OPT_INTERVAL, else 60s).")
    var interval: String?

    @Option(help: "Solver: mip (default), greedy or unlimited.")
    var solver: SolverChoice = .mip

    @Option(help: "Saturation policy when GPUs run short: PriorityExhaustive (default), PriorityRoundRobin, RoundRobin or None.")
    var policy: SaturationPolicy = .priorityExhaustive

    @Option(help: "Actuation: scale (set Deployment replicas) or metrics (only publish inferno_desired_replicas for HPA/KEDA).")
    var actuation: KubernetesActuator.Mode = .scale

    @Option(name: .customLong("prometheus-url"), help: "Prometheus base URL (overrides PROMETHEUS_BASE_URL).")
    var prometheusURL: String?

    @Option(name: .customLong("prometheus-ca-file"), help: "CA bundle of Prometheus' certificate (overrides PROMETHEUS_CA_CERT_PATH).")
    var prometheusCAFile: String?

    @Option(name: .customLong("prometheus-token-file"), help: "Bearer token file, re-read every query (overrides PROMETHEUS_TOKEN_PATH).")
    var prometheusTokenFile: String?

    @Flag(name: .customLong("prometheus-insecure-skip-verify"), help: "Do not verify Prometheus' certificate.")
    var prometheusInsecureSkipVerify = false

    @Option(name: .customLong("stabilization-window"), help: "Scale-down stabilisation window, a Go duration.")
    var stabilizationWindow = "300s"

    @Option(help: "How far a rising load is extrapolated when sizing, a Go duration (0s: size for the measured load).")
    var lookahead = "120s"

    @Option(name: .customLong("log-format"), help: "Log format: json (for clusters) or text.")
    var logFormat: LogFormat = .text

    @Option(name: .customLong("log-level"), help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = "info"

    @OptionGroup var analyzer: AnalyzerOptions

    enum LogFormat: String, ExpressibleByArgument { case json, text }

    func validate() throws {
        if (try? GoDuration.seconds(stabilizationWindow)) == nil {
            throw ValidationError("--stabilization-window: \"\(stabilizationWindow)\" is not a Go duration such as 300s or 5m")
        }
        if (try? GoDuration.seconds(lookahead)) == nil {
            throw ValidationError("--lookahead: \"\(lookahead)\" is not a Go duration such as 120s or 2m")
        }
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("--log-level: \"\(logLevel)\" is not a log level") }
        _ = try BindAddress(parsing: metricsBindAddress, flag: "--metrics-bind-address")
        _ = try BindAddress(parsing: healthProbeBindAddress, flag: "--health-probe-bind-address")
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let json = logFormat == .json
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "inferno.controller")
        let environment = ProcessInfo.processInfo.environment
        let controllerNamespace = self.controllerNamespace ?? environment["POD_NAMESPACE"] ?? "inferno-system"

        let connection = try KubeConnection.resolve(kubeconfig: kubeconfig)
        let client = try KubernetesClient(connection: connection, logger: Logger(label: "inferno.kubernetes"))
        var prometheusClient: PrometheusClient?
        var probes: ProbeServer?
        var elector: LeaderElector?
        do {
            // Settings: ConfigMap < environment < flags.
            var configMap: [String: String] = [:]
            do {
                let object = try await client.getObject(.configMaps, name: ControllerSettings.configMapName, namespace: controllerNamespace)
                for (k, v) in object["data"]?.object ?? [:] { if let s = v.string { configMap[k] = s } }
            } catch let error as KubernetesError where error.code == .notFound {
                logger.notice("no settings ConfigMap; using environment and flags",
                              metadata: ["configmap": "\(controllerNamespace)/\(ControllerSettings.configMapName)"])
            }
            let settings = try ControllerSettings.resolve(
                configMap: configMap, environment: environment,
                flags: .init(prometheusURL: prometheusURL, prometheusCAFile: prometheusCAFile, prometheusTokenFile: prometheusTokenFile,
                             prometheusInsecureSkipVerify: prometheusInsecureSkipVerify ? true : nil, interval: interval))
            let loads = try settings.makeLoadSource(logger: Logger(label: "inferno.prometheus"))
            prometheusClient = loads.client
            if loads.client == nil { logger.warning("no Prometheus URL: every variant keeps its replicas (no load data)") }

            let metrics = ControllerMetrics()
            let source = KubernetesClusterSource(client: client, watchNamespace: namespace, configNamespace: controllerNamespace,
                                                 defaultMinReplicas: settings.scaleToZero ? 0 : 1)
            let actuator = KubernetesActuator(client: client, mode: actuation,
                                              metricsSink: { metrics.emit(decisions: $0, outcomes: $1) },
                                              configNamespace: controllerNamespace)
            let options = OptimizerOptions(saturationPolicy: policy, timeLimitSeconds: min(10, settings.intervalSeconds / 4))
            let reconciler = Reconciler(
                cluster: source, metrics: loads.source, actuator: actuator,
                planner: Planner(analyzer: analyzer.settings, solver: solver.solver, options: options),
                stabilizationWindowSeconds: try GoDuration.seconds(stabilizationWindow),
                lookaheadSeconds: try GoDuration.seconds(lookahead), retentionSeconds: settings.retentionSeconds,
                logger: Logger(label: "inferno.reconciler"))
            probes = try await ProbeServer.start(
                metrics: try BindAddress(parsing: metricsBindAddress, flag: "--metrics-bind-address"),
                health: try BindAddress(parsing: healthProbeBindAddress, flag: "--health-probe-bind-address"),
                registry: metrics.registry, isReady: { await reconciler.hasCompletedCycle })
            if leaderElect {
                let identity = environment["POD_NAME"] ?? ProcessInfo.processInfo.hostName
                let e = LeaderElector(client: client, configuration: .init(namespace: controllerNamespace, name: "inferno-controller-leader",
                                                                           identity: identity))
                elector = e
                Task { await e.run { leading in logger.notice(leading ? "became leader" : "lost leadership") } }
            }
            logger.info("controller started", metadata: [
                "solver": "\(solver.rawValue)", "actuation": "\(actuation.rawValue)", "interval": "\(settings.intervalSeconds)s",
                "namespace": "\(namespace ?? "all")", "controllerNamespace": "\(controllerNamespace)",
            ])
            try await ControlLoop(reconciler: reconciler, source: source, elector: elector, metrics: metrics,
                                  intervalSeconds: settings.intervalSeconds, logger: logger).run()
        } catch {
            await shutdown(client: client, prometheus: prometheusClient, probes: probes, elector: elector)
            if error is CancellationError { return }
            throw error
        }
        await shutdown(client: client, prometheus: prometheusClient, probes: probes, elector: elector)
    }

    private func shutdown(client: KubernetesClient, prometheus: PrometheusClient?, probes: ProbeServer?, elector: LeaderElector?) async {
        await elector?.release()
        await probes?.shutdown()
        await prometheus?.shutdown()
        try? await client.shutdown()
    }
}

extension KubernetesActuator.Mode: ExpressibleByArgument {}
