import Foundation
import InfernoControl
import InfernoMIP
import Logging

/// Runs the production control loop (``ControlLoop``) on simulated time against the simulated cluster, and keeps
/// the time series.
package struct SimulationRunner {
    package struct Settings: Sendable {
        package var cycles: Int
        /// The loop's settings, as `run` has them (interval, stabilisation, lookahead, solver, analyzer).
        package var loop = LoopSettings()
        /// Simulated seconds per wall second; 0 runs as fast as possible.
        package var speed: Double = 0
        /// Variants whose metrics are withheld from this cycle on: (cycle, variant).
        package var withheldMetrics: [(cycle: Int, variant: VariantID)] = []
        /// Whether the result keeps every cycle's samples and report (the summary, CSV and chart need them; a soak
        /// run does not, and without them memory measures the loop alone).
        package var keepRecord = true

        package init(cycles: Int) { self.cycles = cycles }
    }

    /// One variant in one cycle.
    package struct Sample: Sendable {
        package var cycle: Int
        package var time: Double
        package var variant: VariantID
        package var serviceClass: String
        package var offeredPerMinute: Double
        package var measuredPerMinute: Double?
        package var current: Int
        package var desired: Int
        package var ready: Int
        package var accelerator: String
        package var predictedITL: Double?
        package var predictedTTFT: Double?
        package var simulatedITL: Double?
        package var simulatedTTFT: Double?
        package var itlTarget: Double?
        package var ttftTarget: Double?
        package var reason: String
        package var costPerHour: Double
        package var slo: SLOWindowCount?
    }

    package struct Result: Sendable {
        package var samples: [Sample]
        package var reports: [CycleReport]
        /// Cards used per type per cycle (after acting) and capacity.
        package var usage: [[TypeUsage]]
        package var scenario: SimulationScenario
        package var wallSeconds: Double
        /// Arrivals and router drops per model at the end of the run.
        package var traffic: [ModelTrafficSnapshot] = []
    }

    package let scenario: SimulationScenario
    package let settings: Settings

    package init(scenario: SimulationScenario, settings: Settings) {
        self.scenario = scenario
        self.settings = settings
    }

    /// Runs; `onCycle` sees each cycle's samples as they come (for printing).
    package func run(logger: Logger = Logger(label: "inferno.simulate"),
                     onCycle: @escaping @Sendable (CycleReport, [Sample], [TypeUsage]) -> Void = { _, _, _ in }) async throws -> Result {
        let interval = settings.loop.intervalSeconds
        let env = try SimulationEnvironment(scenario: scenario, windowSeconds: interval)
        let reconciler = settings.loop.makeReconciler(cluster: env, metrics: env, actuator: env, logger: logger)
        let recorder = SampleRecorder(scenario: scenario, environment: env, keep: settings.keepRecord)
        let withheld = settings.withheldMetrics
        @Sendable func withhold(_ cycle: Int) async {
            for w in withheld where w.cycle == cycle { await env.withholdMetrics(of: w.variant) }
        }
        let wallStart = ContinuousClock.now
        // The first cycle one interval in, as a controller started with the cluster would see it.
        let clock = await SimulatedClock(environment: env, start: interval, speed: settings.speed)
        await withhold(1)
        var loop = ControlLoop(reconciler: reconciler, clock: clock, watcher: nil, intervalSeconds: interval, logger: logger)
        loop.maxCycles = settings.cycles
        loop.onCycle = { report in
            let (cycle, samples) = await recorder.record(report)
            onCycle(report, samples, report.usage)
            await withhold(cycle + 1)
        }
        try await loop.run()
        let wall = (ContinuousClock.now - wallStart).secondsDouble
        let recorded = await recorder.recorded
        return Result(samples: recorded.samples, reports: recorded.reports, usage: recorded.reports.map(\.usage),
                      scenario: scenario, wallSeconds: wall, traffic: await env.snapshot().traffic)
    }
}

/// Turns each cycle's report into samples: the offered load, the simulated latencies and SLO attainment of the
/// window that just ended, and the cost of what the controller committed.
actor SampleRecorder {
    let scenario: SimulationScenario
    let environment: SimulationEnvironment
    private(set) var recorded: (samples: [SimulationRunner.Sample], reports: [CycleReport]) = ([], [])
    /// Whether samples and reports are kept (``SimulationRunner/Settings/keepRecord``), and the cycles seen.
    let keep: Bool
    private var cycles = 0
    /// Cumulative metrics per variant, and dropped requests per model, at the previous cycle (none before the
    /// first: its window counts from the start).
    private var previous: [VariantID: VLLMMetrics] = [:]
    private var droppedBefore: [String: Int] = [:]
    private let targets: [VariantID: (String, SLOTarget?)]
    private let costPerReplica: [VariantID: [String: Double]]

    init(scenario: SimulationScenario, environment: SimulationEnvironment, keep: Bool = true) {
        self.scenario = scenario
        self.environment = environment
        self.keep = keep
        targets = Dictionary(uniqueKeysWithValues: scenario.variants.map { v -> (VariantID, (String, SLOTarget?)) in
            let cls = scenario.serviceClasses.first { $0.name == v.serviceClass }
            return (VariantID(namespace: v.namespace, name: v.name), (v.serviceClass, cls?.targets[v.model]))
        })
        costPerReplica = Dictionary(uniqueKeysWithValues: scenario.variants.map { v -> (VariantID, [String: Double]) in
            (VariantID(namespace: v.namespace, name: v.name), Dictionary(v.profiles.compactMap { p in
                scenario.accelerators.first { $0.name == p.accelerator }.map { (p.accelerator, Double(p.acceleratorCount) * $0.costPerHour) }
            }, uniquingKeysWith: { a, _ in a }))
        })
    }

    /// Records one cycle; returns its number (from 1) and its samples.
    func record(_ report: CycleReport) async -> (cycle: Int, samples: [SimulationRunner.Sample]) {
        cycles += 1
        let cycle = cycles
        let t = report.time
        let snapshot = await environment.snapshot()
        let deployments = Dictionary(snapshot.deployments.map { (VariantID(namespace: $0.namespace, name: $0.name), $0) },
                                     uniquingKeysWith: { a, _ in a })
        let unserved = Dictionary(snapshot.traffic.map { ($0.model, $0.unserved) }, uniquingKeysWith: +)
        var samples: [SimulationRunner.Sample] = []
        // The router's drops belong to the model, not to one variant: the first variant of the model in the
        // cycle carries them, so a model's dropped requests are counted once.
        var dropsCharged = Set<String>()
        for d in report.decisions {
            let id = d.variant.id
            let (cls, target) = targets[id] ?? ("", nil)
            let window = await environment.window(of: id)
            var slo: SLOWindowCount?
            let cumulative = try? await environment.cluster.metrics(namespace: id.namespace, name: id.name)
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
            samples.append(SimulationRunner.Sample(
                cycle: cycle, time: t, variant: id, serviceClass: cls, offeredPerMinute: offered,
                measuredPerMinute: d.load.load?.arrivalRatePerMinute, current: d.current, desired: d.desired,
                ready: deployments[id]?.readyReplicas ?? 0, accelerator: d.accelerator,
                predictedITL: d.predictedITL, predictedTTFT: d.predictedTTFT,
                simulatedITL: window?.itlMilliseconds, simulatedTTFT: window?.ttftMilliseconds,
                itlTarget: target?.itlMilliseconds, ttftTarget: target?.ttftMilliseconds, reason: d.reason,
                costPerHour: Double(d.desired) * (costPerReplica[id]?[d.accelerator] ?? 0), slo: slo))
        }
        if keep {
            recorded.samples += samples
            recorded.reports.append(report)
        }
        return (cycle, samples)
    }
}
