import Foundation

/// The product's optimizer: the allocation MIP of docs/optimizer.md, solved by CBC in lexicographic stages.
///
/// Stages, each fixing its optimum for the next (no giant weights):
/// 1. per priority level, highest first: servers fully served;
/// 2. best effort per saturation policy (exhaustive: served fraction level by level; round robin: the smallest
///    served fraction, then the total);
/// 3. cost plus transition penalty.
///
/// Each stage starts from the previous stage's answer (the first from the greedy one), so every stage has an
/// incumbent from the start; a stage that hits the limit keeps its best answer and reports the gap. Servers
/// that share no GPU type are solved as separate components. If CBC returns nothing at the first stage of a
/// component, the greedy answer is used and the fallback is reported.
public struct MIPSolver: AllocationSolver {
    public let name = "mip"
    /// Seed each component with the greedy answer. Off only to test the fallback.
    public var useGreedyStart: Bool
    public var logLevel: Int
    /// Solves one stage; CBC unless a test replaces it.
    public var stageSolver: @Sendable (MIPProblem, CbcSettings) -> MIPResult

    public init(useGreedyStart: Bool = true, logLevel: Int = 0,
                stageSolver: @escaping @Sendable (MIPProblem, CbcSettings) -> MIPResult = { CbcSolver().solve($0, settings: $1) }) {
        self.useGreedyStart = useGreedyStart
        self.logLevel = logLevel
        self.stageSolver = stageSolver
    }

    public func solve(_ problem: OptimizationProblem) -> Solution {
        let started = Date()
        let greedy = GreedySolver().solve(problem)
        let greedyPlacements = Dictionary(uniqueKeysWithValues: greedy.servers.map { ($0.name, $0.placements) })
        let assembler = SolutionAssembler(problem: problem)
        let deadline = started.addingTimeInterval(problem.options.timeLimitSeconds)

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
                                      assembler: assembler, logLevel: logLevel, label: label, solveStage: stageSolver)
                .run(start: useGreedyStart ? greedyPlacements : nil, deadline: deadline)
            stages += outcome.stages
            limited = limited || outcome.limited
            if let placementsFound = outcome.placements {
                placements.merge(placementsFound) { a, _ in a }
            } else {
                for s in part { placements[s.name] = greedyPlacements[s.name] ?? [] }
                fallbacks.append(label + (outcome.failure ?? "no solution"))
            }
        }
        let gap = stages.compactMap(\.gap).max()
        let status = !fallbacks.isEmpty ? "fallback" : (limited || stages.contains { $0.status != "optimal" } ? "feasible" : "optimal")
        if !fallbacks.isEmpty { notes.append("MIP found no solution (\(fallbacks.joined(separator: "; "))): using the greedy answer") }
        let mip = MIPDiagnostics(status: status, stages: stages, gap: gap,
                                 fallbackReason: fallbacks.isEmpty ? nil : fallbacks.joined(separator: "; "),
                                 components: components.count)
        return assembler.assemble(solver: name, placements: placements,
                                  diagnostics: SolverDiagnostics(seconds: Date().timeIntervalSince(started), notes: notes, mip: mip))
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
        for s in problem.servers {
            let types = s.candidates.map(\.acceleratorType)
            for t in types where parent[t] == nil { parent[t] = t }
            if let first = types.first { for t in types.dropFirst() { let a = find(first), b = find(t); if a != b { parent[max(a, b)] = min(a, b) } } }
        }
        var groups: [String: [Int]] = [:]
        var order: [String] = []
        for (i, s) in problem.servers.enumerated() {
            let key = s.candidates.first.map { "type:" + find($0.acceleratorType) } ?? "server:\(s.name)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(i)
        }
        return order.map { groups[$0]! }
    }
}

/// The stages of one component.
struct StagedSolve {
    let servers: [ServerCandidates]
    let options: OptimizerOptions
    let cards: (String) -> Int
    let assembler: SolutionAssembler
    let logLevel: Int
    let label: String
    let solveStage: @Sendable (MIPProblem, CbcSettings) -> MIPResult

    struct Outcome {
        var placements: [String: [Placement]]?
        var stages: [MIPDiagnostics.Stage]
        var limited: Bool
        var failure: String?
    }

    func run(start: [String: [Placement]]?, deadline: Date) -> Outcome {
        var f = AllocationFormulation(servers: servers, options: options, cards: cards)
        var point: [Double]? = start.flatMap { f.point(for: $0, solutionStatus: assembler.isFullyServed) }
        if let p = point, !f.model.violations(p).isEmpty { point = nil }
        // The greedy answer stays a candidate start for every stage it still satisfies: a stage that stops at its
        // limit then never ends below greedy on the objectives that follow.
        let greedyPoint = point
        var stages: [MIPDiagnostics.Stage] = []
        var limited = false

        let levels = Set(servers.map(\.priority)).sorted()
        let byLevel = Dictionary(grouping: servers.indices, by: { servers[$0].priority })

        /// Solves one stage; on success fixes its optimum (within `slack`) and moves `point` there.
        func stage(_ name: String, _ objective: LinearExpression, _ sense: LinearModel.Sense, integral: Bool) -> Bool {
            let remaining = deadline.timeIntervalSinceNow
            f.model.objective = objective
            f.model.sense = sense
            if let g = greedyPoint, g.count == f.model.columns.count, f.model.violations(g).isEmpty {
                let better = point.map { p in sense == .maximize ? objective.value(g) > objective.value(p) + 1e-9
                                                                : objective.value(g) < objective.value(p) - 1e-9 } ?? true
                if better { point = g }
            }
            let started = Date()
            var settings = CbcSettings(timeLimitSeconds: max(0.01, remaining), relativeGap: options.relativeGap, logLevel: logLevel)
            if remaining <= 0 { settings.timeLimitSeconds = 0.01 }
            let result = solveStage(f.model.mipProblem(start: point), settings)
            let seconds = Date().timeIntervalSince(started)
            let status: String = switch result.status {
            case .optimal: "optimal"
            case .feasible: "feasible"
            case .infeasible: "infeasible"
            case .noSolutionWithinLimit: "no solution within limit"
            case .unbounded: "unbounded"
            case .error(let e): "error: \(e)"
            }
            stages.append(.init(name: label + name, status: status, objective: result.objective,
                                bestBound: result.bestBound, gap: result.relativeGap, seconds: seconds))
            guard let values = result.values, let value = result.objective else { return false }
            if result.status != .optimal { limited = true }
            point = values
            // Fix the stage: integral counts exactly, fractions and costs with a small tolerance. An integral row
            // gets an integral right-hand side: CBC 2.10's preprocessing returned a wrong "optimal" answer for
            // `count >= 3.5` where `count >= 4` was solved right (the brute-force test caught it).
            if integral {
                let bound = value.rounded()
                f.model.add(sense == .maximize ? objective >= bound : objective <= bound, "stage \(name)")
            } else {
                let slack = 1e-6 * max(1, abs(value))
                f.model.add(sense == .maximize ? objective >= value - slack : objective <= value + slack, "stage \(name)")
            }
            return true
        }

        /// The stage's optimum is already known when the current answer reaches the stage's upper bound.
        func fixWithoutSolving(_ name: String, _ objective: LinearExpression, _ value: Double) {
            f.model.add(objective >= value.rounded(), "stage \(name)")
            stages.append(.init(name: label + name, status: "optimal", objective: value, bestBound: value, gap: 0, seconds: 0))
        }

        // 1. Fully served servers, level by level.
        for level in levels {
            let members = byLevel[level] ?? []
            let objective = f.servedCount(members)
            let reachable = Double(members.filter { f.canBeServed($0) }.count)
            if let p = point, objective.value(p) >= reachable - 0.5 {
                fixWithoutSolving("served p\(level)", objective, reachable)
                continue
            }
            if !stage("served p\(level)", objective, .maximize, integral: true) {
                return Outcome(placements: nil, stages: stages, limited: limited,
                               failure: "stage served p\(level): \(stages.last?.status ?? "")")
            }
        }

        // 2. Best effort for servers not fully served.
        func partialCandidates(_ members: [Int]) -> [Int] {
            guard let p = point else { return members }
            let served = f.placements(at: p)
            return members.filter { !servers[$0].candidates.isEmpty && !assembler.isFullyServed(servers[$0], served[servers[$0].name] ?? []) }
        }
        func maxMin(_ name: String, _ members: [Int]) -> Bool {
            let eligible = members.filter { !servers[$0].candidates.isEmpty }
            guard !partialCandidates(eligible).isEmpty else { return true }
            let t = f.model.continuous("t[\(name)]", upper: 1)
            for s in eligible { f.model.add(LinearExpression(t) <= f.fraction(s), "\(name) floor for \(servers[s].name)") }
            if var p = point {
                p.append(eligible.map { f.fraction($0).value(p) }.min() ?? 0)
                point = p
            }
            return stage("\(name) min share", LinearExpression(t), .maximize, integral: false)
                && stage("\(name) total share", eligible.map { f.fraction($0) }.sum(), .maximize, integral: false)
        }
        switch options.saturationPolicy {
        case .none:
            break
        case .priorityExhaustive:
            for level in levels {
                let members = byLevel[level] ?? []
                guard !partialCandidates(members).isEmpty else { continue }
                if !stage("best effort p\(level)", members.map { f.fraction($0) }.sum(), .maximize, integral: false) { return done(stages, limited, point, f) }
            }
        case .roundRobin:
            if !maxMin("round robin", Array(servers.indices)) { return done(stages, limited, point, f) }
        case .priorityRoundRobin:
            for level in levels where !maxMin("round robin p\(level)", byLevel[level] ?? []) { return done(stages, limited, point, f) }
        }

        // 3. Cost plus transition penalty.
        _ = stage("cost", f.value(), .minimize, integral: false)
        return done(stages, limited, point, f)
    }

    private func done(_ stages: [MIPDiagnostics.Stage], _ limited: Bool, _ point: [Double]?, _ f: AllocationFormulation) -> Outcome {
        guard let point else { return Outcome(placements: nil, stages: stages, limited: limited, failure: "no solution") }
        return Outcome(placements: f.placements(at: point), stages: stages, limited: limited, failure: nil)
    }
}
