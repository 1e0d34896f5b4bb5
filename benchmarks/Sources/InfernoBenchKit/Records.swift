import Foundation
import InfernoMIP

/// What one solver did on one scenario under one saturation policy: the measurements of the report.
public struct SolverRecord: Codable, Sendable {
    public var solver: String
    public var policy: String
    /// Wall time of `solve` (the MIP's includes its greedy start, model building and every CBC stage).
    public var seconds: Double
    /// Fully served servers per priority level, levels in ``ScenarioRecord/levels`` order.
    public var served: [Int]
    public var servedTotal: Int
    /// Requests/s the allocation leaves uncovered (servers not fully served), and the total required.
    public var unservedDemand: Double
    public var demand: Double
    /// Total cost per hour of the allocation.
    public var cost: Double
    /// Cost plus transition penalty: the quantity the greedy orders by and the MIP's last stage minimises.
    public var value: Double
    /// The policy's best-effort measures (per level or overall), as the MIP's best-effort stages define them.
    public var bestEffort: [Double]
    public var cardsByType: [String: Int]
    /// Sum over servers of replicas added or removed versus the current allocation (a move counts both sides).
    public var replicasChanged: Int
    /// Servers whose allocation moves to another accelerator.
    public var moves: Int
    public var mip: MIPRecord?
}

public struct MIPRecord: Codable, Sendable {
    public var status: String
    /// Largest relative gap over the stages.
    public var gap: Double?
    /// Sum of the cost stages' best bounds over the components: a lower bound on ``SolverRecord/value`` given the
    /// earlier stages' results.
    public var bound: Double?
    public var components: Int
    public var stages: Int
    /// Stages CBC actually solved (the others were proven by the start).
    public var stagesSolved: Int
    public var fallback: String?
    /// Every stage: name, status, seconds, objective, bound.
    public var stageDetails: [StageRecord]
}

public struct StageRecord: Codable, Sendable {
    public var name: String
    public var status: String
    public var seconds: Double
    public var objective: Double?
    public var bound: Double?
    /// How the stage was solved (LP bound, rounding, RINS, search) or why it was skipped.
    public var steps: [String]?
}

/// The MIP against greedy on one scenario and policy; encoded as `better`, `equal` or `worse` in results.json.
public enum Verdict: String, Codable, Sendable, CaseIterable {
    case better, equal, worse

    /// From the sign of a lexicographic comparison of the MIP's key with greedy's.
    public init(order: Int) { self = order > 0 ? .better : order == 0 ? .equal : .worse }
}

/// Greedy and MIP under one saturation policy, and how they compare.
public struct PolicyRecord: Codable, Sendable {
    public var policy: String
    public var greedy: SolverRecord
    public var mip: SolverRecord
    /// The MIP versus greedy, lexicographically (served per level, best effort, then cost plus transition penalty).
    public var verdict: Verdict
    /// Where the comparison was decided, e.g. `served p1 12 vs 10`.
    public var decidedBy: String
}

/// Everything measured on one scenario.
public struct ScenarioRecord: Codable, Sendable {
    public var label: String
    public var servers: Int
    public var accelerators: Int
    public var gpuTypes: Int
    public var priorities: Int
    public var tightness: Double
    public var measuredTightness: Double
    /// Cards available in all, and cards the unlimited optimum uses (their ratio is the measured tightness).
    public var capacityCards: Int
    public var needCards: Int
    public var seed: UInt64
    /// Priority levels present, highest first.
    public var levels: [Int]
    public var serversPerLevel: [Int]
    /// Candidate generation: wall time on all threads, and counters.
    public var candidateSeconds: Double
    public var candidateThreads: Int
    public var candidates: Int
    public var sizings: Int
    public var evaluations: Int
    public var serversWithoutCandidates: Int
    public var unlimited: SolverRecord
    public var policies: [PolicyRecord]
}

/// What the benchmark records of one solver's answer.
enum Measure {
    /// The record of `solution` for `problem`.
    static func record(_ solution: Solution, problem: OptimizationProblem, seconds: Double) -> (SolverRecord, LexicographicKey) {
        let assembler = SolutionAssembler(problem: problem)
        let byName = Dictionary(uniqueKeysWithValues: solution.servers.map { ($0.name, $0) })
        var unserved = 0.0, demand = 0.0
        var changed = 0, moves = 0
        for s in problem.servers {
            let ps = byName[s.name]?.placements ?? []
            let isServed = assembler.isFullyServed(s, ps)
            demand += s.requiredRatePerSecond
            if !isServed {
                unserved += max(0, s.requiredRatePerSecond - ps.reduce(0) { $0 + $1.servedRatePerSecond })
            }
            // Churn against the current allocation.
            let current = s.server.current
            var now: [String: Int] = [:]
            for p in ps { now[p.accelerator, default: 0] += p.replicas }
            var before: [String: Int] = [:]
            if let c = current, !c.accelerator.isEmpty { before[c.accelerator] = c.replicas }
            for acc in Set(now.keys).union(before.keys) { changed += abs((now[acc] ?? 0) - (before[acc] ?? 0)) }
            if let c = current, !c.accelerator.isEmpty, let primary = byName[s.name]?.primary,
               primary.accelerator != c.accelerator {
                moves += 1
            }
        }
        let key = LexicographicKey(problem: problem, placements: byName.mapValues(\.placements))
        var mip: MIPRecord?
        if let d = solution.diagnostics.mip {
            // The cost stages of all components together bound the total cost plus penalty from below.
            let costStages = d.stages.filter { $0.stage == .cost }
            let bound = costStages.isEmpty || costStages.contains { $0.bestBound == nil }
                ? nil : costStages.reduce(0) { $0 + $1.bestBound! }
            mip = MIPRecord(status: d.status, gap: d.gap, bound: bound, components: d.components,
                            stages: d.stages.count, stagesSolved: d.stages.filter { $0.seconds > 0 && $0.outcome != .skipped }.count,
                            fallback: d.fallbackReason,
                            stageDetails: d.stages.map { StageRecord(name: $0.name, status: $0.status, seconds: $0.seconds,
                                                                     objective: $0.objective, bound: $0.bestBound, steps: $0.steps) })
        }
        var cards: [String: Int] = [:]
        for u in solution.usage where u.cardsUsed > 0 { cards[u.type] = u.cardsUsed }
        let record = SolverRecord(
            solver: solution.solver, policy: problem.options.saturationPolicy.rawValue, seconds: seconds,
            served: key.served, servedTotal: key.served.reduce(0, +), unservedDemand: unserved, demand: demand,
            cost: solution.totalCost, value: key.value, bestEffort: key.bestEffort, cardsByType: cards,
            replicasChanged: changed, moves: moves, mip: mip)
        return (record, key)
    }
}
