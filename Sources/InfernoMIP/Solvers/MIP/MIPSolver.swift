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
///
/// What makes it fast enough for 10,000 servers (``MIPTuning``, measured in docs/benchmark.md): each stage sees
/// only the servers and columns that matter to it, solves its LP relaxation first and stops there when a rounded
/// and RINS-repaired answer is within the gap of that bound, and runs CBC's full search only otherwise.
public struct MIPSolver: AllocationSolver {
    public let name = "mip"
    /// Seed each component with the greedy answer. Off only to test the fallback.
    public var useGreedyStart: Bool
    public var logLevel: Int
    /// Solves one stage; CBC unless a test replaces it.
    public var stageSolver: @Sendable (MIPProblem, CbcSettings) -> MIPResult
    /// Formulation and staging choices; the default is the tuned one, ``MIPTuning/baseline`` the original.
    public var tuning: MIPTuning

    public init(useGreedyStart: Bool = true, logLevel: Int = 0, tuning: MIPTuning = MIPTuning(),
                stageSolver: @escaping @Sendable (MIPProblem, CbcSettings) -> MIPResult = { CbcSolver().solve($0, settings: $1) }) {
        self.useGreedyStart = useGreedyStart
        self.logLevel = logLevel
        self.tuning = tuning
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
                                      assembler: assembler, logLevel: logLevel, label: label, tuning: tuning,
                                      solveStage: stageSolver)
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

/// Formulation and staging choices of the MIP solver, each measured by the benchmark
/// (`inferno-bench mip-times --baseline`, docs/benchmark.md). The defaults are what the solver uses;
/// ``baseline`` switches every one off, which is the solver as it was before the benchmark tuned it, kept so
/// every change can be measured side by side in one run.
public struct MIPTuning: Hashable, Sendable {
    /// One-accelerator rows as equalities with an explicit idle column (see `AllocationFormulation`): works around
    /// CBC 2.10 losing the MIP start, and the whole stage, when its preprocessing adds slack columns.
    public var explicitIdle = true
    /// CBC parameters for every stage (see ``CbcSettings/parameters``). Preprocessing off: on these models
    /// CglPreProcess costs more than it saves, and it may cut off the MIP start (it fixes variables by dominance),
    /// after which CBC cannot use it ("mipstart values could not be used") and starts from nothing. Clp's presolve
    /// off: the 10,000-server served-stage LP took 9.6 s with it, 2.9 s without.
    public var cbcParameters: [String: String] = ["preprocess": "off", "presolve": "off"]
    /// Served stages break ties by cost plus penalty (`count - ε·value`): the count LP is highly degenerate
    /// (every server weighs 1) and slow to solve; the tie-break makes it behave like the cost LP and leaves a
    /// cheap answer for the stages after.
    public var servedTieBreak = true
    /// Largest value `ε·(cost plus penalty)` may take in a tie-broken served stage, below 1/2 (CBC's cutoff increment
    /// of 1/2 then tells a larger count from a cheaper answer). Below 1, so a count is never
    /// traded for cost. The count is bounded by `floor(bound + tieBreakWeight)` from CBC's bound on the tie-broken
    /// objective, so a smaller weight bounds it more tightly, but measured at 10,000 servers, 0.01 left the LP as
    /// slow as no tie-break at all (18 s against 3 s for 0.5).
    public var tieBreakWeight = 0.4
    /// A served stage pins lower-priority servers to nothing, and every server's partial service (best-effort
    /// policies) to none: either can always be dropped without serving fewer, so the stage's optimum is unchanged,
    /// and CBC sees a smaller model (at 10,000 servers with PriorityExhaustive, a third of the columns).
    public var restrictServedStages = true
    /// After a served stage, greedy gives servers that have nothing what fits in the capacity left: the next
    /// stage starts from there.
    public var fillAfterServedStages = true
    /// Before the full MIP of a stage, solve its LP relaxation, round it (with greedy and a repair for the few
    /// fractional servers) and improve that by RINS; stop there when it is within the gap of the LP bound.
    public var lpAndFix = true
    /// Share of the remaining time a stage other than the last (cost) may use; and a stage whose LP is expected to
    /// outlast the time left keeps its best answer instead. 1 lets an early stage use it all and always solves.
    public var stageTimeShare = 0.5
    /// Leave pinned columns out of the problem CBC gets (see `LinearModel.reduced`), rather than passing them with
    /// equal bounds: with presolve off, CBC would carry them through every LP.
    public var dropPinnedColumns = true

    public init() {}

    /// The solver before tuning.
    public static var baseline: MIPTuning {
        var t = MIPTuning()
        t.explicitIdle = false
        t.cbcParameters = [:]
        t.servedTieBreak = false
        t.restrictServedStages = false
        t.fillAfterServedStages = false
        t.lpAndFix = false
        t.stageTimeShare = 1
        t.dropPinnedColumns = false
        return t
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
    let tuning: MIPTuning
    let solveStage: @Sendable (MIPProblem, CbcSettings) -> MIPResult

    struct Outcome {
        var placements: [String: [Placement]]?
        var stages: [MIPDiagnostics.Stage]
        var limited: Bool
        var failure: String?
    }

    func run(start: [String: [Placement]]?, deadline: Date) -> Outcome {
        var f = AllocationFormulation(servers: servers, options: options, cards: cards, tuning: tuning)
        var point: [Double]? = start.flatMap { f.point(for: $0, solutionStatus: assembler.isFullyServed) }
        if let p = point, !f.model.violations(p).isEmpty { point = nil }
        // The greedy answer stays a candidate start for every stage it still satisfies: a stage that stops at its
        // limit then never ends below greedy on the objectives that follow.
        let greedyPoint = point
        var stages: [MIPDiagnostics.Stage] = []
        var limited = false

        let levels = Set(servers.map(\.priority)).sorted()
        let byLevel = Dictionary(grouping: servers.indices, by: { servers[$0].priority })
        /// Served counts fixed so far, by level.
        var requiredServed: [Int: Int] = [:]
        /// The last LP relaxation's optimum (a bound on its stage), and its time and size (columns and rows).
        var relaxationBound: Double?
        var lastRelaxation: (seconds: Double, size: Double, partials: Bool)?
        /// What the current stage did (see ``MIPDiagnostics/Stage/steps``), and whether the time guard skipped it.
        var steps: [String] = []
        var skipped = false
        func servedLevel(_ stageName: String) -> Int? {
            stageName.hasPrefix("served p") ? Int(stageName.dropFirst("served p".count)) : nil
        }

        /// Solves one stage; on success fixes its optimum (within `slack`) and moves `point` there.
        ///
        /// - `tieBreak` (maximising stages only): CBC maximises `objective - ε·tieBreak` with
        ///   `ε·tieBreak <= tieBreakWeight < 1` at
        ///   every point, so an integral objective is still maximised exactly, and among its optima the cheaper ones
        ///   are preferred. The row fixed afterwards is on `objective` alone.
        /// - `excluded`: servers pinned to nothing for this stage (lower priorities in a served stage: they can
        ///   always take nothing, and leaving them out makes the model CBC sees smaller).
        func stage(_ name: String, _ objective: LinearExpression, _ sense: LinearModel.Sense, integral: Bool,
                   tieBreak: LinearExpression? = nil, excluded: [Int] = [], withoutPartials: [Int] = []) -> Bool {
            // Stages before the last may spend a share of what is left, so the cost stage always gets time; but one
            // whose LP alone is expected to outlast that share gets what the LP needs (and as much again for its
            // rounding and RINS) while that fits: the stages are lexicographic, a served count outranks the cost.
            // (Measured at 10,000 servers, tightness 1.5, seed 1: the lowest class's stage was skipped by the share
            // rule, leaving 62 of its servers served; run, it serves 1,106 against an LP bound of 1,114.)
            let left = deadline.timeIntervalSinceNow
            let share = left * (name == "cost" ? 1 : tuning.stageTimeShare)
            var remaining = share
            let stageDeadline: Date
            var fixed: [Int: Double] = [:]
            for s in excluded { fixed.merge(f.nothing(for: s)) { a, _ in a } }
            for s in withoutPartials { for c in f.partialColumns(of: s) where fixed[c] == nil { fixed[c] = 0 } }
            func restricted(_ p: [Double]) -> [Double] {
                var q = p
                for (i, v) in fixed where i < q.count { q[i] = v }
                if !withoutPartials.isEmpty { f.refreshIdle(&q) }
                return q
            }
            var epsilon = 0.0
            var cbcObjective = objective
            if let tieBreak, sense == .maximize {
                epsilon = tuning.tieBreakWeight / max(1, f.valueUpperBound())
                cbcObjective = objective - epsilon * tieBreak
            }
            f.model.objective = cbcObjective
            f.model.sense = sense
            if let p = point { point = restricted(p) }
            if let g = greedyPoint.map(restricted), g.count == f.model.columns.count, f.model.violations(g).isEmpty {
                let better = point.map { p in sense == .maximize ? cbcObjective.value(g) > cbcObjective.value(p) + 1e-9
                                                                : cbcObjective.value(g) < cbcObjective.value(p) - 1e-9 } ?? true
                if better { point = g }
            }
            let started = Date()
            steps = []
            skipped = false
            var settings = CbcSettings(timeLimitSeconds: max(0.01, remaining), relativeGap: options.relativeGap, logLevel: logLevel,
                                       parameters: tuning.cbcParameters)
            if remaining <= 0 { settings.timeLimitSeconds = 0.01 }
            if epsilon > 0, integral {
                // Only a larger count is an improvement: it raises the tie-broken objective by at least
                // 1 - tieBreakWeight, a cheaper answer with the same count by at most tieBreakWeight. Without this,
                // CBC spends the stage improving the tie-break (measured: 500 servers at tightness 1.5, 4.5 s
                // exploring 1,300 nodes for cost, the count unchanged).
                // Any increment in (tieBreakWeight, 1 - tieBreakWeight] works; the midpoint is 1/2.
                settings.parameters["increment"] = "0.5"
            }
            var result: MIPResult
            // CBC cannot stop inside an LP: a stage whose LP is expected to take longer than the time left would
            // overrun. Expected from the last LP, scaled by size (columns and rows CBC gets) to the power 1.5, and
            // by 25 when partial service enters the model: measured at 10,000 servers with PriorityExhaustive, the
            // served stage's LP (partial service left out) took 2.2 s, the cost stage's, 1.6 times larger with
            // it, 53 s, started with 6 s left.
            let size = Double(f.model.reducedSize(pinned: fixed))
            let partials = servers.indices.contains { s in f.partialColumns(of: s).contains { fixed[$0] == nil } }
            let expected = lastRelaxation.map { last in
                last.seconds * pow(size / max(1, last.size), 1.5) * (partials && !last.partials ? 25 : 1)
            } ?? 0
            // The estimate can be 2–4 times short for the lowest class's LP, so an extended stage may end past the
            // limit (measured at 10,000 servers: 11.7 s for 10). A margin on the estimate (1.5×, measured) skipped
            // such stages again and still overran elsewhere: lexicographically, running the stage is the better error.
            if expected >= share, expected < left, tuning.stageTimeShare < 1 { remaining = min(left, 2 * expected) }
            stageDeadline = Date(timeIntervalSinceNow: max(0, remaining))
            settings.timeLimitSeconds = max(0.01, remaining)
            if remaining <= expected, tuning.stageTimeShare < 1, let p = point, f.model.violations(p).isEmpty {
                // Out of time before the stage starts: keep the current answer (it satisfies every fixed stage).
                result = MIPResult(status: .feasible, objective: cbcObjective.value(p), values: p)
                skipped = true
                steps.append(String(format: "skipped: its LP is expected to take %.1f s, %.1f s left", expected, left))
            } else if tuning.lpAndFix, let shortcut = relaxAndFix(fixed: fixed, sense: sense, integral: integral && epsilon == 0,
                                                           settings: settings, deadline: stageDeadline) {
                result = shortcut
            } else if tuning.lpAndFix, tuning.stageTimeShare < 1,
                      stageDeadline.timeIntervalSinceNow <= 0
                        || relaxationBound != nil && stageDeadline.timeIntervalSinceNow <= (lastRelaxation?.seconds ?? 0),
                      let p = point {
                // The stage's time went into the LP and its repairs: CBC would still solve the root LP before it
                // looked at its limit (seconds at 10,000 servers; measured: a search given 1.5 s took 6.5), so the
                // best answer so far stands, with the LP bound.
                let v = cbcObjective.value(p)
                steps.append("no time left for CBC's search")
                result = MIPResult(status: .feasible, objective: v, bestBound: relaxationBound,
                                   relativeGap: relaxationBound.map { MIPResult.relativeGap(objective: v, bound: $0) }, values: p)
            } else {
                var full = settings
                full.timeLimitSeconds = max(0.01, stageDeadline.timeIntervalSinceNow)
                result = f.model.reduced(start: point, pinned: fixed, dropPinned: tuning.dropPinnedColumns)
                    .solve(solveStage, settings: full)
                steps.append(String(format: "search (%.1f s limit): %@ %@", full.timeLimitSeconds ?? 0, "\(result.status)",
                                    result.objective.map { String(format: "%.2f", $0) } ?? "-"))
            }
            let seconds = Date().timeIntervalSince(started)
            let status: String = switch result.status {
            case .optimal: "optimal"
            case .feasible: "feasible"
            case .infeasible: "infeasible"
            case .noSolutionWithinLimit: "no solution within limit"
            case .unbounded: "unbounded"
            case .error(let e): "error: \(e)"
            }
            guard let values = result.values else {
                stages.append(.init(name: label + name, status: status, objective: nil, bestBound: result.bestBound,
                                    gap: nil, seconds: seconds, steps: steps))
                return false
            }
            let value = objective.value(values)
            // The bound on `objective` itself: CBC's bound on the tie-broken objective plus at most
            // ε·tieBreak <= tieBreakWeight.
            var bound = result.bestBound
            if epsilon > 0, let b = bound {
                bound = integral ? (b + tuning.tieBreakWeight + 1e-9).rounded(.down) : b + tuning.tieBreakWeight
            }
            let gap = bound.map { MIPResult.relativeGap(objective: value, bound: $0) }
            // With a tie-break, CBC's status is about the tie-broken objective. A tie-broken search CBC proves also
            // proves the count (a larger count would win on the tie-broken objective too); so does a count that
            // reaches its bound.
            let proven = result.status == .optimal || (epsilon > 0 && integral && (bound.map { value >= $0 - 1e-9 } ?? false))
            stages.append(.init(name: label + name, status: proven ? "optimal" : (skipped ? "skipped" : status), objective: value,
                                bestBound: bound, gap: epsilon > 0 ? gap : result.relativeGap, seconds: seconds, steps: steps))
            if !proven { limited = true }
            point = values
            // Fix the stage: integral counts exactly, fractions and costs with a small tolerance. An integral row
            // gets an integral right-hand side: CBC 2.10's preprocessing returned a wrong "optimal" answer for
            // `count >= 3.5` where `count >= 4` was solved right (the brute-force test caught it).
            if integral {
                let bound = value.rounded()
                f.model.add(sense == .maximize ? objective >= bound : objective <= bound, "stage \(name)")
                if let level = servedLevel(name) { requiredServed[level] = Int(bound) }
            } else {
                let slack = 1e-6 * max(1, abs(value))
                f.model.add(sense == .maximize ? objective >= value - slack : objective <= value + slack, "stage \(name)")
            }
            return true
        }

        /// LP and fix, before the stage's full MIP. Solves the LP relaxation (its optimum bounds the stage), then:
        /// 1. rounds it: servers the LP decides integrally keep its answer, the others (a basic LP solution has at
        ///    most as many fractional servers as there are coupling rows: capacities and fixed stages) get what
        ///    greedy finds in the capacity left, after ``repairServed()`` restored any served count a fixed stage
        ///    needs;
        /// 2. RINS: pins every server on which the LP and the best answer so far agree and solves the small MIP
        ///    over the rest, starting from that answer.
        /// The best answer is returned as the stage's result when it is within the relative gap of the LP bound (the
        /// same certificate CBC would give, without its full search); otherwise it becomes `point`, the full MIP's
        /// start, and `nil` is returned. On 10,000 servers this is what keeps a stage within seconds: CBC's own
        /// heuristics need repeated LP solves of the whole model to find as good an answer.
        func relaxAndFix(fixed: [Int: Double], sense: LinearModel.Sense, integral: Bool, settings: CbcSettings,
                         deadline: Date) -> MIPResult? {
            let objective = f.model.objective
            // An LP still runs through CBC's MIP driver (see CbcModel): its heuristics and cuts only cost time here.
            var lpSettings = settings
            lpSettings.parameters.merge(["heuristicsOnOff": "off", "cutsOnOff": "off"]) { a, _ in a }
            relaxationBound = nil
            let relaxed = f.model.reduced(start: nil, pinned: fixed, dropPinned: tuning.dropPinnedColumns, relax: true)
                .solve(solveStage, settings: lpSettings)
            lastRelaxation = (relaxed.seconds, Double(f.model.reducedSize(pinned: fixed)),
                              servers.indices.contains { s in f.partialColumns(of: s).contains { fixed[$0] == nil } })
            guard let x = relaxed.values, var bound = relaxed.objective else {
                steps.append("LP: \(relaxed.status)")
                return nil
            }
            steps.append(String(format: "LP bound %.2f in %.2f s", bound, relaxed.seconds))
            relaxationBound = bound
            if integral { bound = sense == .maximize ? (bound + 1e-6).rounded(.down) : (bound - 1e-6).rounded(.up) }
            let better: (Double, Double) -> Bool = { a, b in sense == .maximize ? a > b + 1e-9 : a < b - 1e-9 }
            func gap(_ value: Double) -> Double { MIPResult.relativeGap(objective: value, bound: bound) }
            func answer(_ values: [Double]) -> MIPResult {
                let v = objective.value(values)
                let g = gap(v)
                return MIPResult(status: g <= 1e-9 ? .optimal : .feasible, objective: v, bestBound: bound,
                                 relativeGap: g, values: values)
            }
            let tolerance = settings.relativeGap ?? 0
            if let p = point, gap(objective.value(p)) <= tolerance { return answer(p) }
            func adopt(_ values: [Double]?) {
                guard let values, values.count == f.model.columns.count, f.model.violations(values).isEmpty,
                      point.map({ better(objective.value(values), objective.value($0)) }) ?? true else { return }
                point = values
            }
            // 1. Rounding: servers the LP decides integrally keep its answer; the others get what greedy finds in
            //    the capacity left. Infeasible when a fractional server that a fixed stage needs served does not fit.
            var rounded = x
            var fractional: [Int] = []
            for s in servers.indices {
                let cols = f.columns(of: s)
                if cols.contains(where: { f.model.columns[$0].kind != .continuous && abs(x[$0] - x[$0].rounded()) > 1e-6 }) {
                    fractional.append(s)
                    for (c, v) in f.nothing(for: s) { rounded[c] = v }
                } else {
                    for c in cols where f.model.columns[c].kind != .continuous { rounded[c] = x[c].rounded() }
                }
            }
            for (c, v) in fixed { rounded[c] = v }
            let saved = point
            point = rounded
            fillIdle(only: Set(fractional))
            if repairServed(preferring: Set(fractional), lpShare: { f.fullShares(of: $0, at: x) }) { fillIdle() }
            let filled = point
            point = saved
            if let filled {
                let broken = f.model.violations(filled)
                steps.append(String(format: "rounded %.2f (%d fractional servers)", objective.value(filled), fractional.count)
                             + (broken.isEmpty ? "" : ", infeasible: " + broken.prefix(3).joined(separator: ", ")))
            }
            adopt(filled)
            if let p = point, gap(objective.value(p)) <= tolerance { return answer(p) }
            // 2. RINS: pin every server on which the LP and the incumbent agree; solve the MIP over the others.
            if let incumbent = point, deadline.timeIntervalSinceNow > 0 {
                var pins = fixed
                for s in servers.indices {
                    let cols = f.columns(of: s)
                    if cols.allSatisfy({ fixed[$0] != nil }) { continue }
                    let agree = cols.allSatisfy { c in
                        f.model.columns[c].kind == .continuous || abs(x[c] - incumbent[c]) <= 1e-6
                    }
                    if agree {
                        for c in cols where fixed[c] == nil { pins[c] = incumbent[c] }
                    }
                }
                var core = settings
                core.timeLimitSeconds = max(0.01, min(settings.timeLimitSeconds ?? 1, deadline.timeIntervalSinceNow))
                let sub = f.model.reduced(start: incumbent, pinned: pins, dropPinned: tuning.dropPinnedColumns)
                    .solve(solveStage, settings: core)
                steps.append(String(format: "RINS %@ %@ in %.2f s", "\(sub.status)", sub.objective.map { String(format: "%.2f", $0) } ?? "-", sub.seconds))
                adopt(sub.values)
            }
            if let p = point, gap(objective.value(p)) <= tolerance { return answer(p) }
            return nil
        }

        /// Restores the served counts fixed by earlier stages at `point` when a rounding lost some. An unserved
        /// server of a level short of its count (those in `first`, the ones the rounding dropped, before the others)
        /// takes the candidate whose room costs the fewest evictions, then the one the LP gave most of it
        /// (`lpShare`). Room on a GPU type is made first by moving fully served servers of any level to another
        /// type with free cards (no one loses service), then by evicting servers of lower priority (lowest priority
        /// first, larger first). Returns whether anything was evicted (they then have nothing; `fillIdle` may place
        /// them elsewhere).
        ///
        /// Measured at 5,000 servers × 12 accelerators, tightness 1.5 (docs/benchmark.md): without the moves, a
        /// Standard server whose only candidate was an 8×H200 box could not be restored, the rounded LP answer
        /// (849 Freemium servers, bound 873) was discarded and the stage ended at 93; choosing the candidate by
        /// fewest cards instead of fewest evictions put a server on 336 L4 cards and evicted 169 Freemium servers
        /// (578 instead of 746, bound 751).
        func repairServed(preferring first: Set<Int> = [], lpShare: (Int) -> [String: Double] = { _ in [:] }) -> Bool {
            guard var p = point else { return false }
            var placements = f.placements(at: p)
            var used: [String: Int] = [:]
            var onType: [String: Set<Int>] = [:]
            for (s, sc) in servers.enumerated() {
                for pl in placements[sc.name] ?? [] {
                    used[pl.acceleratorType, default: 0] += pl.units
                    onType[pl.acceleratorType, default: []].insert(s)
                }
            }
            func free(_ type: String) -> Int { cards(type) == Int.max ? Int.max / 4 : cards(type) - (used[type] ?? 0) }
            func isServed(_ s: Int) -> Bool { assembler.isFullyServed(servers[s], placements[servers[s].name] ?? []) }
            func units(_ s: Int, on type: String) -> Int {
                (placements[servers[s].name] ?? []).reduce(0) { $0 + ($1.acceleratorType == type ? $1.units : 0) }
            }
            func fullOptions(_ s: Int) -> [Candidate] {
                servers[s].candidates.filter { c in servers[s].server.maxReplicas.map { c.replicasNeeded <= $0 } ?? true }
                    .sorted { ($0.units, $0.accelerator) < ($1.units, $1.accelerator) }
            }
            func unplace(_ s: Int) {
                for pl in placements[servers[s].name] ?? [] {
                    used[pl.acceleratorType, default: 0] -= pl.units
                    onType[pl.acceleratorType]?.remove(s)
                }
                placements[servers[s].name] = []
            }
            func place(_ s: Int, _ c: Candidate) {
                unplace(s)
                placements[servers[s].name] = [Placement(candidate: c, replicas: c.replicasNeeded)]
                used[c.acceleratorType, default: 0] += c.units
                onType[c.acceleratorType, default: []].insert(s)
            }
            /// How to make room for `c` (for a server of `level`): moves, then evictions; nil if it cannot.
            func room(for c: Candidate, level: Int, excluding s: Int) -> (moves: [(Int, Candidate)], evictions: [Int])? {
                let type = c.acceleratorType
                guard free(type) < c.units else { return ([], []) }
                let here = (onType[type] ?? []).filter { $0 != s }.map { v in (v, units(v, on: type)) }
                // Moves: fully served servers on this type with a full-service candidate elsewhere that fits.
                var moves: [(Int, Candidate)] = []
                var gained = 0
                var taken: [String: Int] = [:]
                for (v, u) in here.sorted(by: { ($0.1, servers[$1.0].name) > ($1.1, servers[$0.0].name) })
                where free(type) + gained < c.units && placements[servers[v].name]!.count == 1 && isServed(v) {
                    if let to = fullOptions(v).first(where: { $0.acceleratorType != type
                        && free($0.acceleratorType) - (taken[$0.acceleratorType] ?? 0) >= $0.units }) {
                        moves.append((v, to))
                        taken[to.acceleratorType, default: 0] += to.units
                        gained += u
                    }
                }
                // Evictions: lower priorities, lowest first, larger first.
                let moved = Set(moves.map(\.0))
                var chosen: [Int] = []
                for (v, u) in here.filter({ servers[$0.0].priority > level && !moved.contains($0.0) })
                    .sorted(by: { (servers[$0.0].priority, $0.1) > (servers[$1.0].priority, $1.1) })
                where free(type) + gained < c.units {
                    chosen.append(v)
                    gained += u
                }
                return free(type) + gained >= c.units ? (moves, chosen) : nil
            }
            var evicted = false
            for (level, required) in requiredServed.sorted(by: { $0.key < $1.key }) {
                let members = byLevel[level] ?? []
                var count = members.filter(isServed).count
                guard count < required else { continue }
                // The servers the rounding dropped first; a bounded number of failures, so that a level far short
                // of its count (which only a search can restore) costs milliseconds, not seconds.
                var failures = 0
                for s in members.filter({ !isServed($0) }).sorted(by: { (first.contains($0) ? 0 : 1, servers[$0].name) < (first.contains($1) ? 0 : 1, servers[$1].name) })
                where count < required && failures < 32 {
                    // The candidate that evicts the fewest servers whose level has a fixed count (each would need a
                    // repair of its own), then the fewest servers, then the one the LP gave most of the server to.
                    let share = lpShare(s)
                    let plans = fullOptions(s).compactMap { c in room(for: c, level: level, excluding: s).map { (c, $0) } }
                    func damage(_ plan: (moves: [(Int, Candidate)], evictions: [Int])) -> (Int, Int) {
                        (plan.evictions.filter { requiredServed[servers[$0].priority] != nil }.count, plan.evictions.count)
                    }
                    if let (c, plan) = plans.min(by: { a, b in
                        let da = damage(a.1), db = damage(b.1)
                        return (da.0, da.1, -(share[a.0.accelerator] ?? 0), a.0.units) < (db.0, db.1, -(share[b.0.accelerator] ?? 0), b.0.units)
                    }) {
                        for (v, to) in plan.moves { place(v, to) }
                        for v in plan.evictions { unplace(v) }
                        evicted = evicted || !plan.evictions.isEmpty
                        place(s, c)
                        count += 1
                        steps.append("repair p\(level): \(servers[s].name) on \(c.accelerator) (\(c.units) cards), \(plan.moves.count) moved, \(plan.evictions.count) evicted")
                    } else {
                        failures += 1
                    }
                }
            }
            guard let q = f.point(for: placements, solutionStatus: assembler.isFullyServed) else { return false }
            for i in q.indices { p[i] = q[i] }
            point = p
            return evicted
        }

        /// Gives servers that have nothing at `point` what greedy finds for them in the capacity left (a better
        /// start for the next stage; never violates a fixed stage, which only ask for more served or more share).
        func fillIdle(only: Set<Int>? = nil) {
            guard let p = point else { return }
            var placements = f.placements(at: p)
            var used: [String: Int] = [:]
            for ps in placements.values { for pl in ps { used[pl.acceleratorType, default: 0] += pl.units } }
            let idle = servers.indices.filter { only?.contains($0) ?? true }.map { servers[$0] }
                .filter { !$0.candidates.isEmpty && (placements[$0.name] ?? []).isEmpty }
            guard !idle.isEmpty else { return }
            let types = Set(idle.flatMap { $0.candidates.map(\.acceleratorType) })
            var left: [String: Int] = [:]
            for t in types { left[t] = max(0, cards(t) == Int.max ? Int.max / 4 : cards(t) - (used[t] ?? 0)) }
            let sub = OptimizationProblem(servers: idle, capacity: Capacity(left), options: options)
            let filled = GreedySolver().solve(sub)
            var changed = false
            for s in filled.servers where !s.placements.isEmpty {
                placements[s.name] = s.placements
                changed = true
            }
            guard changed, var q = f.point(for: placements, solutionStatus: assembler.isFullyServed) else { return }
            // Columns the formulation added after building (none before best effort) keep their values.
            if q.count < p.count { q += p[q.count...] }
            if f.model.violations(q).isEmpty { point = q }
        }

        /// The stage's optimum is already known when the current answer reaches the stage's upper bound.
        func fixWithoutSolving(_ name: String, _ objective: LinearExpression, _ value: Double) {
            if let level = servedLevel(name) { requiredServed[level] = Int(value.rounded()) }
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
            let lower = tuning.restrictServedStages ? servers.indices.filter { servers[$0].priority > level } : []
            if !stage("served p\(level)", objective, .maximize, integral: true,
                      tieBreak: tuning.servedTieBreak ? f.value() : nil, excluded: lower,
                      withoutPartials: tuning.restrictServedStages ? Array(servers.indices) : []) {
                return Outcome(placements: nil, stages: stages, limited: limited,
                               failure: "stage served p\(level): \(stages.last?.status ?? "")")
            }
            if tuning.fillAfterServedStages { fillIdle() }
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
                // Partial service of lower priorities counts in no fixed stage yet and only takes cards: none, here.
                let lower = tuning.restrictServedStages ? servers.indices.filter { servers[$0].priority > level } : []
                if !stage("best effort p\(level)", members.map { f.fraction($0) }.sum(), .maximize, integral: false,
                          withoutPartials: lower) { return done(stages, limited, point, f) }
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
