import Foundation

/// The product's optimizer: the allocation MIP of docs/optimizer.md, solved by CBC in lexicographic stages.
///
/// Stages, each fixing its optimum for the next (no giant weights):
/// 1. per priority level, highest first: servers fully served, and under the priority policies that level's best
///    effort right after it (exhaustive: its served fraction; priority round robin: its smallest served fraction,
///    then the total), so the most important traffic wins when GPUs run short;
/// 2. round robin only: the smallest served fraction over all servers, then the total;
/// 3. cost plus transition penalty.
///
/// Each stage starts from the previous stage's answer (the first from the greedy one), so every stage has an
/// incumbent from the start; a stage that hits the limit keeps its best answer and reports the gap. Servers
/// that share no GPU type are solved as separate components. If CBC returns nothing at the first stage of a
/// component, the greedy answer is used and the fallback is reported.
///
/// What makes it fast enough for 10,000 servers (``MIPTuning``, measured in docs/benchmark.md): each stage sees
/// only the servers and columns that matter to it, solves its LP relaxation first and stops there when a rounded
/// and RINS-repaired answer is within the gap of that bound, and runs CBC's full search only otherwise.
///
/// The driver (``StagedSolve``) is apart from the model (``AllocationFormulation``): one file per step it takes
/// — a stage's solve and time guard (StageSolve.swift), LP and fix (RelaxAndFix.swift), the served-count repair
/// (ServedRepair.swift), the idle fill (IdleFill.swift), the best-effort stages (BestEffortStages.swift), and the
/// priced stages: their bound and rounding (ChoiceRelaxAndFix.swift), count probes (CountProbing.swift) and dives
/// (PricedDive.swift).
public struct MIPSolver: AllocationSolver {
    public let name = "mip"
    /// Seed each component with the greedy answer. Off only to test the fallback.
    public var useGreedyStart: Bool
    public var logLevel: Int
    /// Solves one stage; CBC unless a test replaces it.
    public var stageSolver: @Sendable (MIPProblem, CbcSettings) -> MIPResult
    /// Formulation and staging choices; the default is the tuned one, ``MIPTuning/baseline`` the original.
    public var tuning: MIPTuning
    /// Where the time limit is read; the wall clock unless a test scripts it.
    public var clock: any SolveClock

    public init(useGreedyStart: Bool = true, logLevel: Int = 0, tuning: MIPTuning = MIPTuning(),
                clock: any SolveClock = WallClock(),
                stageSolver: @escaping @Sendable (MIPProblem, CbcSettings) -> MIPResult = { CbcSolver().solve($0, settings: $1) }) {
        self.useGreedyStart = useGreedyStart
        self.logLevel = logLevel
        self.tuning = tuning
        self.clock = clock
        self.stageSolver = stageSolver
    }

    public func solve(_ problem: OptimizationProblem) -> Solution {
        let limit = problem.options.timeLimitSeconds
        let budget = TimeBudget(clock: clock, seconds: limit, reserve: limit * tuning.cbcTimeReserve)
        let started = clock.now()
        let greedy = GreedySolver().solve(problem)
        let greedyPlacements = Dictionary(uniqueKeysWithValues: greedy.servers.map { ($0.name, $0.placements) })
        let assembler = SolutionAssembler(problem: problem)

        var placements: [String: [Placement]] = [:]
        var stages: [MIPDiagnostics.Stage] = []
        var notes: [String] = []
        var fallbacks: [String] = []
        var limited = false
        let components = Self.components(problem)
        for (index, members) in components.enumerated() {
            let part = members.map { problem.servers[$0] }
            let label = components.count > 1 ? "component \(index + 1)/\(components.count): " : ""
            let outcome = StagedSolve(servers: part, options: problem.options, cards: problem.cards(of:),
                                      assembler: assembler, logLevel: logLevel, label: label, tuning: tuning,
                                      solveStage: stageSolver)
                .run(start: useGreedyStart ? greedyPlacements : nil, budget: budget)
            stages += outcome.stages
            limited = limited || outcome.limited
            if let placementsFound = outcome.placements {
                placements.merge(placementsFound) { a, _ in a }
                // A later stage failed (CBC aborted, say): the earlier stages' answer stands, and the failure is said.
                if let failure = outcome.failure { notes.append(failure + ": the answer of the stages before it stands") }
            } else {
                for s in part { placements[s.name] = greedyPlacements[s.name] ?? [] }
                fallbacks.append(label + (outcome.failure ?? "no solution"))
            }
        }
        let gap = stages.compactMap(\.gap).max()
        let outcome: MIPDiagnostics.Outcome = !fallbacks.isEmpty ? .fallback
            : (limited || stages.contains { $0.outcome != .optimal } ? .feasible : .optimal)
        if !fallbacks.isEmpty { notes.append("MIP found no solution (\(fallbacks.joined(separator: "; "))): using the greedy answer") }
        let mip = MIPDiagnostics(outcome: outcome, stages: stages, gap: gap,
                                 fallbackReason: fallbacks.isEmpty ? nil : fallbacks.joined(separator: "; "),
                                 components: components.count)
        return assembler.assemble(solver: name, placements: placements,
                                  diagnostics: SolverDiagnostics(seconds: budget.elapsed(since: started), notes: notes, mip: mip))
    }

    /// Groups of servers (indices) connected through shared GPU types, in first-server order. Servers without
    /// candidates are one group each; they cannot be served anyway.
    static func components(_ problem: OptimizationProblem) -> [[Int]] {
        var parent: [String: String] = [:]
        func find(_ t: String) -> String {
            var t = t
            while let p = parent[t], p != t { t = p }
            return t
        }
        // Servers share a few sets of GPU types: each set is joined once (joining it again changes nothing).
        var joined = Set<[String]>()
        for s in problem.servers {
            let types = s.candidates.map(\.acceleratorType)
            guard joined.insert(types).inserted else { continue }
            for t in types where parent[t] == nil { parent[t] = t }
            if let first = types.first { for t in types.dropFirst() { let a = find(first), b = find(t); if a != b { parent[max(a, b)] = min(a, b) } } }
        }
        let root = Dictionary(uniqueKeysWithValues: parent.keys.map { ($0, "type:" + find($0)) })
        var groups: [String: [Int]] = [:]
        var order: [String] = []
        for (i, s) in problem.servers.enumerated() {
            let key = s.candidates.first.map { root[$0.acceleratorType]! } ?? "server:\(s.name)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(i)
        }
        return order.map { groups[$0]! }
    }
}
