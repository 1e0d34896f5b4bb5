import ArgumentParser
import InfernoMIP

/// `--solver mip|greedy|unlimited`.
enum SolverChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
    case mip, greedy, unlimited

    var solver: any AllocationSolver {
        switch self {
        case .mip: MIPSolver()
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
