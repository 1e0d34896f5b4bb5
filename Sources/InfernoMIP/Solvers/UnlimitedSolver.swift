import Foundation

/// Ignores capacity: each server takes its best-valued candidate (lowest cost plus transition penalty,
/// ties broken by accelerator name). Separable and exact; the MIP must reproduce it when capacity is unlimited.
public struct UnlimitedSolver: AllocationSolver {
    public let name = "unlimited"
    public init() {}

    public func solve(_ problem: OptimizationProblem) -> Solution {
        let start = Date()
        var placements: [String: [Placement]] = [:]
        for s in problem.servers {
            if s.server.variants != nil {
                placements[s.name] = Self.cheapestMix(s)
                continue
            }
            if let best = Self.bestCandidate(s) {
                placements[s.name] = [Placement(candidate: best, replicas: best.replicasNeeded)]
            }
        }
        var unlimited = problem
        unlimited.options.unlimited = true
        return SolutionAssembler(problem: unlimited).assemble(
            solver: name, placements: placements,
            diagnostics: SolverDiagnostics(seconds: Date().timeIntervalSince(start)))
    }

    /// The candidate with the lowest transition value that respects `maxReplicas`, if any.
    static func bestCandidate(_ s: ServerCandidates) -> Candidate? {
        s.candidates
            .filter { c in s.server.maxReplicas.map { c.replicasNeeded <= $0 } ?? true }
            .min { a, b in
                let va = transitionValue(from: s.server.current, to: a.accelerator, replicas: a.replicasNeeded, costPerReplica: a.costPerReplica)
                let vb = transitionValue(from: s.server.current, to: b.accelerator, replicas: b.replicasNeeded, costPerReplica: b.costPerReplica)
                return (va, a.accelerator) < (vb, b.accelerator)
            }
    }

    /// A model with variants: the mix of replicas over its variants with the lowest value (cost, 1.1 × for a
    /// variant started anew) that carries its rate within each variant's bounds; exhaustive over every variant
    /// but the last, whose count is then the fewest that cover the rest. Nothing when no mix covers the rate.
    static func cheapestMix(_ s: ServerCandidates) -> [Placement] {
        let cs = s.candidates
        guard !cs.isEmpty else { return [] }
        let rate = s.requiredRatePerSecond
        let serverMax = s.server.maxReplicas ?? Int.max
        let bounds = cs.map { c -> (lower: Int, upper: Int, value: Double) in
            let b = s.server.variant(on: c.accelerator)
            let upper = min(serverMax, b?.maxReplicas ?? Int.max, max(c.replicasNeeded, b?.minReplicas ?? 0))
            return (min(upper, b?.minReplicas ?? 0), upper, b?.valuePerReplica(costPerReplica: c.costPerReplica) ?? c.costPerReplica)
        }
        var best: (value: Double, counts: [Int])?
        var counts = [Int](repeating: 0, count: cs.count)
        func search(_ k: Int, covered: Double, value: Double) {
            if let b = best, value >= b.value - 1e-9 { return }
            let last = k == cs.count - 1
            var options = Array(bounds[k].lower...max(bounds[k].lower, bounds[k].upper))
            if last {
                let missing = max(0, rate - covered)
                let need = cs[k].ratePerReplica > 0 ? Int((missing / cs[k].ratePerReplica - 1e-9).rounded(.up)) : (missing > 0 ? Int.max : 0)
                let floorTotal = s.server.minReplicas - counts[..<k].reduce(0, +)
                let n = max(bounds[k].lower, need, floorTotal)
                options = n <= bounds[k].upper ? [n] : []
            }
            for n in options {
                counts[k] = n
                let v = value + Double(n) * bounds[k].value
                if last { if best.map({ v < $0.value - 1e-9 }) ?? true { best = (v, counts) } }
                else { search(k + 1, covered: covered + Double(n) * cs[k].ratePerReplica, value: v) }
            }
            counts[k] = 0
        }
        search(0, covered: 0, value: 0)
        guard let chosen = best else { return [] }
        return cs.indices.filter { chosen.counts[$0] > 0 }.map { Placement(candidate: cs[$0], replicas: chosen.counts[$0]) }
    }
}
