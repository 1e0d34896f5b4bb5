import InfernoControl
import InfernoMIP

/// The simulated cluster behind the reconciler's three ports, so the same loop that runs against Kubernetes and
/// Prometheus runs here unchanged: nodes and Deployments are read from the simulation, load is measured from the
/// emulated vLLM counters like Prometheus' `rate(...[window])`, and scaling changes the simulated Deployments.
package actor SimulationEnvironment: ClusterSource, LoadSource, Actuator {
    package private(set) var cluster: SimulatedCluster
    package let scenario: SimulationScenario
    /// Length of the measurement window, seconds (Prometheus' `[1m]`).
    package let windowSeconds: Double
    /// Cumulative metrics per variant at the times they were taken, newest last.
    private var history: [VariantID: [(time: Double, metrics: VLLMMetrics)]] = [:]
    /// Requests the router dropped per model (no ready replica), cumulative, at the times they were taken.
    private var dropped: [String: [(time: Double, unserved: Int)]] = [:]
    /// Variants whose metrics are withheld, as when a scrape target disappears
    /// (`SimulationRunner.Settings.withheldMetrics`).
    package private(set) var withheld: Set<VariantID> = []
    /// Token means seen last per variant: a window without completions still knows the request shape.
    private var lastTokens: [VariantID: (input: Double, output: Double)] = [:]
    /// The last decision recorded per variant (the status a VariantAutoscaling would show).
    package private(set) var status: [VariantID: VariantDecision] = [:]

    package init(scenario: SimulationScenario, windowSeconds: Double = 60) throws {
        self.scenario = scenario
        self.cluster = try scenario.makeCluster()
        self.windowSeconds = windowSeconds
    }

    /// Runs the simulation to `time` and takes a metrics snapshot of every variant.
    package func advance(to time: Double) {
        cluster.advance(to: time)
        for t in cluster.modelTraffic {
            var h = dropped[t.model, default: []]
            h.append((time, t.unserved))
            h.removeAll { time - $0.time > 3 * windowSeconds }
            dropped[t.model] = h
        }
        for v in scenario.variants {
            let id = VariantID(namespace: v.namespace, name: v.name)
            guard let m = try? cluster.metrics(namespace: v.namespace, name: v.name) else { continue }
            var h = history[id, default: []]
            h.append((time, m))
            // Keep what the window needs and a little more.
            h.removeAll { time - $0.time > 3 * windowSeconds }
            history[id] = h
        }
    }

    package func withholdMetrics(of id: VariantID, _ withhold: Bool = true) {
        if withhold { withheld.insert(id) } else { withheld.remove(id) }
    }

    /// Chaos (docs/robustness.md): a node lost now (``SimulatedCluster/loseNode(named:)``).
    package func loseNode(named name: String) throws { try cluster.loseNode(named: name) }

    /// Chaos: a variant's pods never ready or crash-looping from now on, or healthy again with nil.
    package func setReplicaFault(_ fault: ReplicaFault?, of id: VariantID) throws {
        try cluster.setReplicaFault(fault, namespace: id.namespace, name: id.name)
    }

    // MARK: ClusterSource

    package func observe() async throws -> ClusterObservation {
        let deployments = Dictionary(cluster.deployments.map { (VariantID(namespace: $0.namespace, name: $0.name), $0) },
                                     uniquingKeysWith: { a, _ in a })
        let variants = scenario.variants.map { v -> VariantObservation in
            let id = VariantID(namespace: v.namespace, name: v.name)
            let d = deployments[id]
            var o = VariantObservation(id: id, modelID: v.model, accelerator: d?.accelerator ?? v.accelerator,
                                       profiles: v.profiles, minReplicas: v.minReplicas, maxReplicas: v.maxReplicas,
                                       scaleTarget: v.name, currentReplicas: d?.desiredReplicas, readyReplicas: d?.readyReplicas,
                                       invalidReason: nil)
            // As a VariantAutoscaling's status would hand it to a restarted controller.
            o.savedTuning = status[id]?.tuning
            return o
        }.sorted { $0.id < $1.id }
        return ClusterObservation(variants: variants, accelerators: scenario.accelerators, capacity: cluster.capacity,
                                  serviceClasses: scenario.serviceClasses)
    }

    // MARK: LoadSource

    package func load(of variant: VariantObservation) async -> LoadObservation {
        if withheld.contains(variant.id) { return .missing("no series for model_name=\"\(variant.modelID)\"") }
        guard let h = history[variant.id], let last = h.last else { return .missing("no samples yet") }
        // The oldest sample inside the window (as `rate` uses the samples in range).
        guard let first = h.first(where: { last.time - $0.time <= windowSeconds + 1e-9 && $0.time < last.time }) else {
            return .missing("fewer than two samples in the \(Int(windowSeconds)) s window")
        }
        let w = MetricsWindow(from: first.metrics, to: last.metrics, seconds: last.time - first.time)
        let ready = (try? cluster.deployment(namespace: variant.id.namespace, name: variant.id.name))?.readyReplicas ?? 0
        if ready == 0 && w.arrivalRatePerMinute == 0 {
            return .missing("no ready replica exported metrics")
        }
        if let i = w.meanInputTokens, let o = w.meanOutputTokens { lastTokens[variant.id] = (i, o) }
        // No request completed yet: the rate is known, the token lengths are not (0; the planner falls back).
        let tokens = lastTokens[variant.id] ?? (0, 0)
        return .available(VariantLoad(arrivalRatePerMinute: w.arrivalRatePerMinute, meanInputTokens: tokens.input,
                                      meanOutputTokens: tokens.output, itlMilliseconds: w.itlMilliseconds,
                                      ttftMilliseconds: w.ttftMilliseconds))
    }

    /// The router's drops for the model over the window: what a gateway in front of it counts and no pod sees.
    /// Counted once per model, however many variants it has.
    package func unservedDemand(of model: ModelKey, variants: [VariantObservation]) async -> Double? {
        guard let name = variants.first?.modelID, let h = dropped[name], let last = h.last,
              let first = h.first(where: { last.time - $0.time <= windowSeconds + 1e-9 && $0.time < last.time }) else { return nil }
        return Double(last.unserved - first.unserved) / (last.time - first.time) * 60
    }

    /// The simulated latencies of the last window, for the comparison with the prediction.
    package func window(of id: VariantID) -> MetricsWindow? {
        guard let h = history[id], let last = h.last,
              let first = h.first(where: { last.time - $0.time <= windowSeconds + 1e-9 && $0.time < last.time }) else { return nil }
        return MetricsWindow(from: first.metrics, to: last.metrics, seconds: last.time - first.time)
    }

    // MARK: Actuator

    package func apply(_ decisions: [VariantDecision]) async -> [VariantID: ActuationOutcome] {
        var outcomes: [VariantID: ActuationOutcome] = [:]
        for d in decisions {
            guard d.action == .scale, d.desired != d.current else { outcomes[d.variant.id] = .unchanged; continue }
            do {
                try cluster.scale(namespace: d.variant.id.namespace, name: d.variant.id.name, replicas: d.desired)
                outcomes[d.variant.id] = .scaled(from: d.current, to: d.desired)
            } catch {
                outcomes[d.variant.id] = .failed(.updateScale, "\(error)")
            }
        }
        return outcomes
    }

    package func record(_ decisions: [VariantDecision], outcomes: [VariantID: ActuationOutcome], at time: Double) async {
        for d in decisions { status[d.variant.id] = d }
    }

    package func snapshot() -> (deployments: [DeploymentSnapshot], traffic: [ModelTrafficSnapshot], free: [String: Int]) {
        (cluster.deployments, cluster.modelTraffic, cluster.freeCardsByType)
    }
}
