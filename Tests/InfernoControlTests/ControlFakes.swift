import InfernoControl
import InfernoMIP
import Logging

/// Time that moves only when the loop sleeps; records every wake-up asked for.
actor FakeClock: ControlClock {
    private(set) var time: Double
    private(set) var wakeUps: [Double] = []

    init(start: Double = 0) { time = start }

    func now() -> Double { time }

    func sleep(until t: Double) {
        wakeUps.append(t)
        time = max(time, t)
    }
}

/// A cluster whose variants and health are functions of the fake clock's time. Reads of the variant list are
/// counted so a test can see the watcher being polled.
actor FakeCluster: ClusterSource, VariantWatcher {
    let clock: FakeClock
    /// Variant names at a time.
    let names: @Sendable (Double) -> [String]
    /// Whether `observe()` fails at a time.
    let failing: @Sendable (Double) -> Bool
    private(set) var observations: [Double] = []

    init(clock: FakeClock, names: @escaping @Sendable (Double) -> [String] = { _ in ["a"] },
         failing: @escaping @Sendable (Double) -> Bool = { _ in false }) {
        self.clock = clock
        self.names = names
        self.failing = failing
    }

    struct Unreachable: Error {}

    func observe() async throws -> ClusterObservation {
        let t = await clock.now()
        observations.append(t)
        if failing(t) { throw Unreachable() }
        let variants = names(t).map {
            VariantObservation(id: VariantID(namespace: "ns", name: $0), modelID: "m", accelerator: "A100", profiles: [],
                               minReplicas: 0, scaleTarget: $0, currentReplicas: 1)
        }
        return ClusterObservation(variants: variants, accelerators: [], capacity: Capacity([:]), serviceClasses: [])
    }

    func variantIDs() async throws -> Set<VariantID> {
        let t = await clock.now()
        return Set(names(t).map { VariantID(namespace: "ns", name: $0) })
    }
}

/// No load anywhere: every variant holds, so a cycle runs without a solver.
struct NoLoad: LoadSource {
    func load(of variant: VariantObservation) async -> LoadObservation { .missing("test") }
}

/// Changes nothing.
struct NoActuation: Actuator {
    func apply(_ decisions: [VariantDecision]) async -> [VariantID: ActuationOutcome] {
        Dictionary(decisions.map { ($0.variant.id, .unchanged) }, uniquingKeysWith: { a, _ in a })
    }
    func record(_ decisions: [VariantDecision], outcomes: [VariantID: ActuationOutcome], at time: Double) async {}
}

/// Cycle times as the loop reports them.
actor CycleLog {
    private(set) var times: [Double] = []
    private(set) var failed: [Bool] = []
    func append(_ r: CycleReport) { times.append(r.time); failed.append(r.failed) }
}

enum Loops {
    static func make(_ cluster: FakeCluster, watcher: Bool, interval: Double = 60, cycles: Int,
                     log: CycleLog) -> ControlLoop<FakeClock> {
        var settings = LoopSettings()
        settings.solver = GreedySolver()
        let logger = Logger(label: "test")
        let reconciler = settings.makeReconciler(cluster: cluster, metrics: NoLoad(), actuator: NoActuation(), logger: logger)
        var loop = ControlLoop(reconciler: reconciler, clock: cluster.clock, watcher: watcher ? cluster : nil,
                               intervalSeconds: interval, logger: logger)
        loop.maxCycles = cycles
        loop.onCycle = { await log.append($0) }
        return loop
    }
}
