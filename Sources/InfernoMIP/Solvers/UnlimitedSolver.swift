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
}
