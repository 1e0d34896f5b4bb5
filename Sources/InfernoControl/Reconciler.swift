import Foundation
import InfernoMIP
import Logging

/// One controller cycle, controller-runtime style: observe → analyze → optimize → act → record.
/// The same reconciler drives Kubernetes and the simulated cluster; only the sources and the actuator differ.
package actor Reconciler {
    package let cluster: any ClusterSource
    package let metrics: any LoadSource
    package let actuator: any Actuator
    package var planner: Planner
    private var stabilizer: Stabilizer
    private let logger: Logger
    /// Variants seen in the last cycle: a change triggers an immediate cycle.
    package private(set) var knownVariants: Set<VariantID> = []
    /// Whether a cycle has read all its inputs successfully (readiness).
    package private(set) var hasCompletedCycle = false
    /// Seconds ahead a rising load is extrapolated (see ``LoadForecast``); 0 sizes for the measured load.
    package let lookaheadSeconds: Double
    /// Model demand across cycles: forecast, token lengths, retention window of scale to zero.
    private var demand: DemandTracker
    /// The online profile estimates (`--tuning on`); nil plans with the configured profiles as they are.
    package private(set) var tuning: ProfileTuning?

    package init(cluster: any ClusterSource, metrics: any LoadSource, actuator: any Actuator, planner: Planner,
                 stabilizationWindowSeconds: Double, lookaheadSeconds: Double = 0,
                 retentionSeconds: Double = LoopSettings.defaultRetentionSeconds, tuning: ProfileTuning? = nil,
                 logger: Logger) {
        self.tuning = tuning
        self.cluster = cluster
        self.metrics = metrics
        self.actuator = actuator
        self.planner = planner
        self.stabilizer = Stabilizer(windowSeconds: stabilizationWindowSeconds)
        self.lookaheadSeconds = lookaheadSeconds
        self.demand = DemandTracker(retentionSeconds: retentionSeconds, lookaheadSeconds: lookaheadSeconds)
        self.logger = logger
    }

    /// Runs one cycle at time `now` (seconds; wall clock or simulated).
    package func cycle(at now: Double) async -> CycleReport {
        let started = ContinuousClock.now
        // Observe.
        var observation: ClusterObservation
        do {
            observation = try await cluster.observe()
        } catch {
            logger.error("cycle skipped: cannot read the cluster", metadata: ["error": "\(error)"])
            return CycleReport(time: now, decisions: [], outcomes: [:], usage: [], notes: ["cannot read the cluster: \(error)"],
                               solverSummary: nil, failed: true, seconds: (ContinuousClock.now - started).secondsDouble)
        }
        var loads: [VariantID: LoadObservation] = [:]
        await withTaskGroup(of: (VariantID, LoadObservation).self) { group in
            for v in observation.variants where v.invalidReason == nil {
                group.addTask { (v.id, await self.metrics.load(of: v)) }
            }
            for await (id, load) in group { loads[id] = load }
        }
        // Learn each variant's profile from its window; plan with the upper confidence bound of the estimate.
        if tuning != nil { observation = tuning!.apply(to: observation, loads: loads) }
        // Demand per model: its variants' loads summed, plus what its gateway saw and no pod did.
        let models = Dictionary(grouping: observation.variants.filter { $0.invalidReason == nil }, by: \.modelKey)
        var unserved: [ModelKey: Double] = [:]
        for (key, members) in models {
            if let u = await metrics.unservedDemand(of: key, variants: members) { unserved[key] = u }
        }
        let modelDemand = demand.demand(observation.variants, loads: loads, unserved: unserved, at: now)
        // Analyze and optimize (pure), for the load expected when new replicas would be ready.
        var plan = planner.plan(observation, loads: loads, demand: modelDemand)
        if tuning != nil { plan = withoutCostlyHeadroom(plan, observation, loads: loads, demand: modelDemand) }
        for i in plan.decisions.indices {
            let key = plan.decisions[i].variant.modelKey
            if let m = modelDemand.measured[key]?.load, let p = modelDemand.planned[key]?.load,
               p.arrivalRatePerMinute > m.arrivalRatePerMinute + 1e-9 {
                plan.decisions[i].plannedRatePerMinute = p.arrivalRatePerMinute
            }
        }
        let accelerators = Dictionary(observation.accelerators.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        func cards(_ d: VariantDecision) -> (type: String, cards: Int)? {
            guard let acc = accelerators[d.variant.accelerator],
                  let p = d.variant.profiles.first(where: { $0.accelerator == d.variant.accelerator }) else { return nil }
            return (acc.type, p.acceleratorCount * acc.multiplicity)
        }
        stabilizer.retain(Set(observation.variants.map(\.id)))
        var decisions = stabilizer.stabilize(plan.decisions, at: now, cardsPerReplica: cards,
                                             available: observation.capacity.cardsByType)
        if let fallback = plan.solution?.diagnostics.mip?.fallbackReason {
            for i in decisions.indices { decisions[i].solverFallback = fallback }
        }
        for i in decisions.indices { decisions[i].tuning = tuning?.status(of: decisions[i].variant.id) }
        // Act, then record.
        let outcomes = await actuator.apply(decisions)
        await actuator.record(decisions, outcomes: outcomes, at: now)

        var used: [String: Int] = [:]
        for d in decisions { if let c = cards(d) { used[c.type, default: 0] += d.desired * c.cards } }
        let usage = observation.capacity.cardsByType.keys.sorted().map {
            TypeUsage(type: $0, cardsUsed: used[$0] ?? 0, cardsAvailable: observation.capacity[$0], cost: 0)
        }
        knownVariants = Set(observation.variants.map(\.id))
        if !loads.values.contains(where: { if case .failed = $0 { true } else { false } }) { hasCompletedCycle = true }
        let report = CycleReport(time: now, decisions: decisions, outcomes: outcomes, usage: usage, notes: plan.notes,
                                 solverSummary: plan.solution.map(Self.summary), solverDiagnostics: plan.solution?.diagnostics, failed: false,
                                 seconds: (ContinuousClock.now - started).secondsDouble)
        log(report)
        return report
    }

    /// The headroom is a margin, not a reason to go unserved: when variants sized at their estimate's upper bound
    /// were not fully served, the plan is made again with them at the centre, and taken when it fully serves more
    /// (per priority level, highest first; docs/tuning.md).
    private func withoutCostlyHeadroom(_ plan: Planner.Plan, _ observation: ClusterObservation,
                                                loads: [VariantID: LoadObservation], demand: DemandTracker.Demand) -> Planner.Plan {
        guard let tuning, let solution = plan.solution else { return plan }
        let short = Set(plan.decisions.filter {
            $0.action == .scale && !$0.fullyServed && (tuning.status(of: $0.variant.id)?.headroom.max() ?? 1) > 1
        }.map(\.variant.id))
        guard !short.isEmpty else { return plan }
        let retry = planner.plan(tuning.centred(observation, short), loads: loads, demand: demand)
        guard let better = retry.solution else { return plan }
        let levels = Set(solution.servers.map(\.priority)).union(better.servers.map(\.priority)).sorted()
        guard solution.servedVector(levels: levels).lexicographicallyPrecedes(better.servedVector(levels: levels)) else { return plan }
        self.tuning!.dropHeadroom(short)
        return retry
    }

    package static func summary(_ s: Solution) -> String {
        var text = "\(s.solver): " + s.servedPerPriority.map { "p\($0.priority) \($0.served)/\($0.total)" }.joined(separator: ", ")
        if let mip = s.diagnostics.mip {
            text += ", MIP \(mip.status)"
            if let g = mip.gap { text += String(format: " gap %.2f%%", g * 100) }
        }
        return text + String(format: ", %.1f ms", s.diagnostics.seconds * 1000)
    }

    private func log(_ report: CycleReport) {
        for d in report.decisions {
            var meta: Logger.Metadata = [
                "variant": "\(d.variant.id)", "accelerator": "\(d.accelerator)",
                "current": "\(d.current)", "desired": "\(d.desired)", "reason": "\(d.reason)",
            ]
            if let l = d.load.load { meta["arrivalRatePerMinute"] = "\(l.arrivalRatePerMinute)" }
            logger.debug("decision", metadata: meta)
        }
        if let fallback = report.solverDiagnostics?.mip?.fallbackReason {
            logger.warning("the MIP failed; the greedy answer is used this cycle", metadata: ["reason": "\(fallback)"])
        }
        logger.info("reconciliation completed", metadata: [
            "variants": "\(report.decisions.count)", "scaled": "\(report.scaleEvents)",
            "solver": "\(report.solverSummary ?? "none")",
        ])
    }
}

/// What one cycle saw and did.
package struct CycleReport: Sendable {
    package var time: Double
    package var decisions: [VariantDecision]
    package var outcomes: [VariantID: ActuationOutcome]
    package var usage: [TypeUsage]
    package var notes: [String]
    package var solverSummary: String?
    /// The solver's diagnostics (MIP status, fallbacks), when it ran.
    package var solverDiagnostics: SolverDiagnostics? = nil
    package var failed: Bool
    package var seconds: Double

    package var scaleEvents: Int {
        outcomes.values.filter { if case .scaled = $0 { true } else { false } }.count
    }

    package init(time: Double, decisions: [VariantDecision], outcomes: [VariantID: ActuationOutcome],
                 usage: [TypeUsage], notes: [String], solverSummary: String? = nil,
                 solverDiagnostics: SolverDiagnostics? = nil, failed: Bool, seconds: Double) {
        self.time = time
        self.decisions = decisions
        self.outcomes = outcomes
        self.usage = usage
        self.notes = notes
        self.solverSummary = solverSummary
        self.solverDiagnostics = solverDiagnostics
        self.failed = failed
        self.seconds = seconds
    }
}

extension Duration {
    package var secondsDouble: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
