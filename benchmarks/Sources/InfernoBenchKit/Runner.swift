import Foundation
import InfernoMIP

/// How the runner solves each scenario.
public struct RunSettings: Sendable {
    /// Threads for candidate generation (the optimizers are single-threaded; CBC runs serially).
    public var threads: Int
    public var analyzer: AnalyzerSettings
    /// MIP time limit (all stages) and relative gap.
    public var timeLimitSeconds: Double
    public var relativeGap: Double
    /// Policies run besides `None` when the scenario is saturated (greedy under `None` leaves a server with
    /// candidates unserved); best effort changes nothing otherwise.
    public var bestEffortPolicies: [SaturationPolicy]
    /// CBC's log level (0 silent), for investigating a solve.
    public var cbcLogLevel = 0
    /// The MIP solver's formulation and staging choices (``MIPTuning/baseline`` for the untuned solver).
    public var tuning = MIPTuning()

    public init(threads: Int, analyzer: AnalyzerSettings = AnalyzerSettings(), timeLimitSeconds: Double = 10,
                relativeGap: Double = 0.005, bestEffortPolicies: [SaturationPolicy] = [.priorityExhaustive]) {
        self.threads = threads
        self.analyzer = analyzer
        self.timeLimitSeconds = timeLimitSeconds
        self.relativeGap = relativeGap
        self.bestEffortPolicies = bestEffortPolicies
    }
}

/// Runs unlimited, greedy and MIP on one scenario's candidates and measures them.
public struct ScenarioRunner: Sendable {
    public var settings: RunSettings
    public init(settings: RunSettings) { self.settings = settings }

    /// Measures `scenario`. Without `policies`: `None`, then ``RunSettings/bestEffortPolicies`` if greedy under
    /// `None` leaves a server unserved; with them, exactly those.
    public func run(_ scenario: Scenario, policies explicit: [SaturationPolicy]? = nil) -> ScenarioRecord {
        let clock = ContinuousClock()
        var analyzer = settings.analyzer
        analyzer.parallelism = settings.threads
        var generated: (servers: [ServerCandidates], statistics: AnalyzerStatistics)!
        let candidateTime = clock.measure {
            generated = CandidateGenerator(system: scenario.system, settings: analyzer).generate()
        }
        var base = OptimizationProblem(system: scenario.system, candidates: generated.servers)
        base.options.timeLimitSeconds = settings.timeLimitSeconds
        base.options.relativeGap = settings.relativeGap
        let levels = base.priorityLevels

        var unlimitedProblem = base
        unlimitedProblem.options.unlimited = true
        let (unlimited, _) = timed(UnlimitedSolver(), unlimitedProblem)

        var policies: [PolicyRecord] = []
        if let explicit {
            policies = explicit.map { compare(base, policy: $0, levels: levels) }
        } else {
            let none = compare(base, policy: .none, levels: levels)
            policies = [none]
            let servable = base.servers.filter { !$0.candidates.isEmpty }.count
            if none.greedy.servedTotal < servable {
                for policy in settings.bestEffortPolicies where policy != .none {
                    policies.append(compare(base, policy: policy, levels: levels))
                }
            }
        }
        return ScenarioRecord(
            label: scenario.spec.label, servers: scenario.spec.servers, accelerators: scenario.spec.accelerators,
            gpuTypes: scenario.gpuTypes.count, priorities: scenario.spec.priorities, tightness: scenario.spec.tightness,
            measuredTightness: scenario.measuredTightness,
            capacityCards: scenario.system.capacity.cardsByType.values.reduce(0, +),
            needCards: scenario.need.values.reduce(0, +), seed: scenario.spec.seed, levels: levels,
            serversPerLevel: levels.map { l in base.servers.filter { $0.priority == l }.count },
            candidateSeconds: candidateTime.seconds, candidateThreads: settings.threads,
            candidates: generated.servers.reduce(0) { $0 + $1.candidates.count },
            sizings: generated.statistics.sizings, evaluations: generated.statistics.evaluations,
            serversWithoutCandidates: generated.servers.filter { $0.candidates.isEmpty }.count,
            unlimited: unlimited, policies: policies)
    }

    private func compare(_ base: OptimizationProblem, policy: SaturationPolicy, levels: [Int]) -> PolicyRecord {
        var problem = base
        problem.options.saturationPolicy = policy
        let (greedy, greedyKey) = timed(GreedySolver(), problem)
        let (mip, mipKey) = timed(MIPSolver(logLevel: settings.cbcLogLevel, tuning: settings.tuning), problem)
        let (order, decidedBy) = mipKey.compare(greedyKey, levels: levels)
        return PolicyRecord(policy: policy.rawValue, greedy: greedy, mip: mip,
                            verdict: Verdict(order: order), decidedBy: decidedBy)
    }

    private func timed(_ solver: some AllocationSolver, _ problem: OptimizationProblem) -> (SolverRecord, LexicographicKey) {
        let clock = ContinuousClock()
        var solution: Solution!
        let elapsed = clock.measure { solution = solver.solve(problem) }
        return Measure.record(solution, problem: problem, seconds: elapsed.seconds)
    }
}

extension Duration {
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
