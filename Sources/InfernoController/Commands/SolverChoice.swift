import ArgumentParser
import InfernoMIP

/// `--solver mip|greedy|unlimited`.
enum SolverChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
    case mip, greedy, unlimited

    /// The MIP's CBC solves run in a child process (``IsolatedCbcSolver``) when this is the controller binary.
    var solver: any AllocationSolver {
        switch self {
        case .mip: MIPSolver(stageSolver: IsolatedCbcSolver.stageSolver())
        case .greedy: GreedySolver()
        case .unlimited: UnlimitedSolver()
        }
    }
}

extension SaturationPolicy: ExpressibleByArgument {
    public init?(argument: String) {
        guard let p = SaturationPolicy.allCases.first(where: { $0.rawValue.lowercased() == argument.lowercased() }) else { return nil }
        self = p
    }
}
