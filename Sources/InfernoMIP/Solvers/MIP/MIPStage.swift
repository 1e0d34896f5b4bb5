import Foundation

/// One stage of the lexicographic solve (see ``MIPSolver``), in the order they run. Its ``name`` is what
/// diagnostics, logs and `optimize --format json` show.
public enum MIPStage: Hashable, Sendable {
    /// Servers of one priority level fully served (higher levels come first).
    case served(priority: Int)
    /// PriorityExhaustive: the total served fraction of one level's servers not fully served.
    case bestEffort(priority: Int)
    /// RoundRobin (`priority` nil: all servers) or PriorityRoundRobin (one level): the smallest served fraction.
    case minShare(priority: Int?)
    /// The same group's total served fraction, once its smallest is fixed.
    case totalShare(priority: Int?)
    /// Cost plus transition penalty: the last stage, the only one that minimises.
    case cost

    /// The served level this stage fixes a count for.
    public var servedPriority: Int? {
        if case .served(let p) = self { return p }
        return nil
    }

    public var isCost: Bool { self == .cost }

    /// The group name of a max-min pair (`round robin`, `round robin p1`): also names its floor variable and rows.
    static func roundRobinGroup(_ priority: Int?) -> String {
        priority.map { "round robin p\($0)" } ?? "round robin"
    }

    public var name: String {
        switch self {
        case .served(let p): "served p\(p)"
        case .bestEffort(let p): "best effort p\(p)"
        case .minShare(let p): Self.roundRobinGroup(p) + " min share"
        case .totalShare(let p): Self.roundRobinGroup(p) + " total share"
        case .cost: "cost"
        }
    }
}

/// What one stage did, in order (``MIPDiagnostics/Stage/record``); ``description`` is the text shown in
/// `--stages` output, `optimize --format json` and the benchmark's records.
public enum MIPStep: Hashable, Sendable, CustomStringConvertible {
    /// The time guard skipped the stage: its LP was expected to take `expected` seconds with `left` left.
    case skipped(expected: Double, left: Double)
    /// The time guard skipped the stage: less time was left to the solve's deadline than twice what the last priced
    /// stage's pricing took (`expected`).
    case pricingSkipped(expected: Double, left: Double)
    /// The LP relaxation ended without an optimum.
    case relaxationFailed(MIPStatus)
    /// The LP relaxation was not started: expected to take `expected` seconds, `left` to the solve's deadline.
    case relaxationSkipped(expected: Double, left: Double)
    /// The LP relaxation's optimum (a bound on the stage) and its time.
    case relaxationBound(Double, seconds: Double)
    /// The Lagrangian bound of a multiple-choice stage (``ChoiceRelaxation``), the column-generation rounds and the
    /// time.
    case lagrangianBound(Double, rounds: Int, seconds: Double)
    /// The LP over the core of a priced stage (its least certain servers; the others pinned to their priced choice).
    case coreLP(servers: Int, MIPStatus, objective: Double?, seconds: Double)
    /// CBC's search over a neighbourhood of a priced stage: its least certain servers.
    case neighbourhood(servers: Int, MIPStatus, objective: Double?, seconds: Double)
    /// A served stage's probe of a count (``StagedSolve/probeCounts``): the target, the servers left more than one
    /// choice, and CBC's outcome.
    case countProbe(target: Int, servers: Int, MIPStatus, seconds: Double)
    /// The same probe over the merged model (``StagedSolve/mergedProbe``): the target, the columns left free, and
    /// CBC's outcome.
    case mergedProbe(target: Int, columns: Int, MIPStatus, seconds: Double)
    /// CBC's search over a stage with interchangeable servers merged (``MergedCounts``): the servers, their kinds,
    /// the merged model's columns, CBC's outcome and the count of the answer it gave (in a cost stage, its
    /// objective).
    case merged(servers: Int, kinds: Int, columns: Int, MIPStatus, count: Double?, seconds: Double)
    /// The merged search after it is over the stage with every server's partial service held where the best answer
    /// has it (``StagedSolve/partialsHeldSearch``): `servers` hold some, the others have none.
    case partialsHeld(servers: Int)
    /// CBC's search for a cheaper tie-break at the count the merged search reached.
    case polish(MIPStatus, objective: Double?, seconds: Double)
    /// The rounded LP answer's objective, how many servers the LP left fractional, and up to three rows it breaks.
    case rounded(Double, fractional: Int, broken: [String])
    /// A served count restored by ``ServedRepair``: the server, where, and how many others moved or lost service.
    case repair(priority: Int, server: String, accelerator: String, cards: Int, moved: Int, evicted: Int)
    /// RINS over the servers the LP and the incumbent disagree on.
    case rins(MIPStatus, objective: Double?, seconds: Double)
    /// The time went into the LP and its repairs; CBC's search was not started.
    case noTimeForSearch
    /// CBC's full search, with its limit.
    case search(limit: Double, MIPStatus, objective: Double?)

    public var description: String {
        func objective(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "-" }
        switch self {
        case .skipped(let expected, let left):
            return String(format: "skipped: its LP is expected to take %.1f s, %.1f s left", expected, left)
        case .pricingSkipped(let expected, let left):
            return String(format: "skipped: %.1f s left, less than twice the last pricing (%.1f s)", left, expected)
        case .relaxationFailed(let status):
            return "LP: \(status)"
        case .relaxationSkipped(let expected, let left):
            return String(format: "LP not started: expected to take %.1f s, %.1f s left", expected, left)
        case .relaxationBound(let bound, let seconds):
            return String(format: "LP bound %.2f in %.2f s", bound, seconds)
        case .lagrangianBound(let bound, let rounds, let seconds):
            return String(format: "Lagrangian bound %.2f after %d rounds in %.2f s", bound, rounds, seconds)
        case .coreLP(let count, let status, let value, let seconds):
            return "core LP over \(count) servers: \(status) \(objective(value)) in \(String(format: "%.2f", seconds)) s"
        case .neighbourhood(let count, let status, let value, let seconds):
            return "search over \(count) servers: \(status) \(objective(value)) in \(String(format: "%.2f", seconds)) s"
        case .countProbe(let target, let count, let status, let seconds):
            return "probe count \(target) over \(count) servers: \(status) in \(String(format: "%.2f", seconds)) s"
        case .mergedProbe(let target, let columns, let status, let seconds):
            return "probe count \(target) over the merged model (\(columns) columns): \(status) in "
                + String(format: "%.2f", seconds) + " s"
        case .merged(let count, let kinds, let columns, let status, let value, let seconds):
            return "merged search over \(count) servers in \(kinds) kinds (\(columns) columns): \(status) "
                + "\(objective(value)) in " + String(format: "%.2f", seconds) + " s"
        case .partialsHeld(let count):
            return "partial service held (\(count) servers partially served, the others none):"
        case .polish(let status, let value, let seconds):
            return "polish \(status) \(objective(value)) in \(String(format: "%.2f", seconds)) s"
        case .rounded(let value, let fractional, let broken):
            return String(format: "rounded %.2f (%d fractional servers)", value, fractional)
                + (broken.isEmpty ? "" : ", infeasible: " + broken.prefix(3).joined(separator: ", "))
        case .repair(let priority, let server, let accelerator, let cards, let moved, let evicted):
            return "repair p\(priority): \(server) on \(accelerator) (\(cards) cards), \(moved) moved, \(evicted) evicted"
        case .rins(let status, let value, let seconds):
            return "RINS \(status) \(objective(value)) in \(String(format: "%.2f", seconds)) s"
        case .noTimeForSearch:
            return "no time left for CBC's search"
        case .search(let limit, let status, let value):
            return "search (\(String(format: "%.1f", limit)) s limit): \(status) \(objective(value))"
        }
    }
}
