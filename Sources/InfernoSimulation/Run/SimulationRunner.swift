import Foundation
import InfernoMIP
import Logging

/// Runs the controller's reconcile loop against the simulated cluster, cycle after cycle, and keeps the time series.
struct SimulationRunner {
    struct Settings: Sendable {
        var cycles: Int
        var intervalSeconds: Double = 60
        /// Simulated seconds per wall second; 0 runs as fast as possible.
        var speed: Double = 0
        var stabilizationWindowSeconds: Double = 300
        /// How far a rising load is extrapolated (start-up delay plus one interval is the natural choice).
        var lookaheadSeconds: Double = 120
        /// Seconds without requests before a model with `minReplicas: 0` may go to zero.
        var retentionSeconds: Double = 600
        var solver: any AllocationSolver = MIPSolver()
        var analyzer = AnalyzerSettings()
        // Best effort by priority: a controller must not scale an overloaded variant to zero because its SLOs
        // cannot be met in full (the offline default, `None`, would).
        var options = OptimizerOptions(saturationPolicy: .priorityExhaustive, timeLimitSeconds: 5)
        /// Variants whose metrics are withheld from this cycle on: (cycle, variant).
        var withheldMetrics: [(cycle: Int, variant: VariantID)] = []
    }

    /// One variant in one cycle.
    struct Sample: Sendable {
        var cycle: Int
        var time: Double
        var variant: VariantID
        var serviceClass: String
        var offeredPerMinute: Double
        var measuredPerMinute: Double?
        var current: Int
        var desired: Int
        var ready: Int
        var accelerator: String
        var predictedITL: Double?
        var predictedTTFT: Double?
        var simulatedITL: Double?
        var simulatedTTFT: Double?
        var itlTarget: Double?
        var ttftTarget: Double?
        var reason: String
        var costPerHour: Double
        var slo: SLOWindowCount?
    }

    struct Result: Sendable {
        var samples: [Sample]
        var reports: [CycleReport]
        /// Cards used per type per cycle (after acting) and capacity.
        var usage: [[TypeUsage]]
        var scenario: SimulationScenario
        var wallSeconds: Double
        /// Arrivals and router drops per model at the end of the run.
        var traffic: [ModelTrafficSnapshot] = []
    }

    let scenario: SimulationScenario
    let settings: Settings

    /// Runs; `onCycle` sees each cycle's samples as they come (for printing).
    func run(logger: Logger = Logger(label: "inferno.simulate"), onCycle: (CycleReport, [Sample], [TypeUsage]) -> Void = { _, _, _ in }) async throws -> Result {
        let env = try SimulationEnvironment(scenario: scenario, windowSeconds: settings.intervalSeconds)
        let planner = Planner(analyzer: settings.analyzer, solver: settings.solver, options: settings.options)
        let reconciler = Reconciler(cluster: env, metrics: env, actuator: env, planner: planner,
                                    stabilizationWindowSeconds: settings.stabilizationWindowSeconds,
                                    lookaheadSeconds: settings.lookaheadSeconds,
                                    retentionSeconds: settings.retentionSeconds, logger: logger)
        let targets = Dictionary(uniqueKeysWithValues: scenario.variants.map { v -> (VariantID, (String, SLOTargetLimits)) in
            let cls = scenario.serviceClasses.first { $0.name == v.serviceClass }
            let t = cls?.targets[v.model]
            return (VariantID(namespace: v.namespace, name: v.name),
                    (v.serviceClass, SLOTargetLimits(itlMilliseconds: t?.itlMilliseconds, ttftMilliseconds: t?.ttftMilliseconds)))
        })
        let costPerReplica = Dictionary(uniqueKeysWithValues: scenario.variants.map { v -> (VariantID, [String: Double]) in
            (VariantID(namespace: v.namespace, name: v.name), Dictionary(v.profiles.compactMap { p in
                scenario.accelerators.first { $0.name == p.accelerator }.map { (p.accelerator, Double(p.acceleratorCount) * $0.costPerHour) }
            }, uniquingKeysWith: { a, _ in a }))
        })
        var samples: [Sample] = [], reports: [CycleReport] = [], usage: [[TypeUsage]] = []
        var previous: [VariantID: VLLMMetrics] = [:]
        var droppedBefore: [String: Int] = [:]
        let wallStart = ContinuousClock.now
        for cycle in 1...settings.cycles {
            let t = Double(cycle) * settings.intervalSeconds
            await env.advance(to: t)
            for w in settings.withheldMetrics where w.cycle == cycle { await env.withholdMetrics(of: w.variant) }
            let report = await reconciler.cycle(at: t)
            let snapshot = await env.snapshot()
            let deployments = Dictionary(snapshot.deployments.map { (VariantID(namespace: $0.namespace, name: $0.name), $0) },
                                         uniquingKeysWith: { a, _ in a })
            let unserved = Dictionary(snapshot.traffic.map { ($0.model, $0.unserved) }, uniquingKeysWith: +)
            var cycleSamples: [Sample] = []
            // The router's drops belong to the model, not to one variant: the first variant of the model in the
            // cycle carries them, so a model's dropped requests are counted once.
            var dropsCharged = Set<String>()
            for d in report.decisions {
                let id = d.variant.id
                let (cls, target) = targets[id] ?? ("", SLOTargetLimits())
                let window = await env.window(of: id)
                var slo: SLOWindowCount?
                let cumulative = try? await env.cluster.metrics(namespace: id.namespace, name: id.name)
                var drops = 0
                if dropsCharged.insert(d.variant.modelID).inserted {
                    let total = unserved[d.variant.modelID] ?? 0
                    drops = total - (droppedBefore[d.variant.modelID] ?? 0)
                    droppedBefore[d.variant.modelID] = total
                }
                if let now = cumulative {
                    var delta = now
                    if let before = previous[id] { delta.subtractCounters(before) }
                    slo = SLOWindowCount(window: delta, dropped: drops)
                    previous[id] = now
                }
                let offered = scenario.load(of: d.variant.modelID, at: t).arrivalRatePerMinute
                cycleSamples.append(Sample(
                    cycle: cycle, time: t, variant: id, serviceClass: cls, offeredPerMinute: offered,
                    measuredPerMinute: d.load.load?.arrivalRatePerMinute, current: d.current, desired: d.desired,
                    ready: deployments[id]?.readyReplicas ?? 0, accelerator: d.accelerator,
                    predictedITL: d.predictedITL, predictedTTFT: d.predictedTTFT,
                    simulatedITL: window?.itlMilliseconds, simulatedTTFT: window?.ttftMilliseconds,
                    itlTarget: target.itlMilliseconds, ttftTarget: target.ttftMilliseconds, reason: d.reason,
                    costPerHour: Double(d.desired) * (costPerReplica[id]?[d.accelerator] ?? 0), slo: slo))
            }
            // What the controller committed: desired replicas times cards, against capacity.
            let cycleUsage = report.usage
            samples += cycleSamples
            reports.append(report)
            usage.append(cycleUsage)
            onCycle(report, cycleSamples, cycleUsage)
            if settings.speed > 0 {
                try await Task.sleep(for: .milliseconds(Int(settings.intervalSeconds / settings.speed * 1000)))
            }
        }
        let wall = (ContinuousClock.now - wallStart).secondsDouble
        return Result(samples: samples, reports: reports, usage: usage, scenario: scenario, wallSeconds: wall,
                      traffic: await env.snapshot().traffic)
    }
}
