import Foundation

/// LP and fix, before a stage's full MIP. Solves the LP relaxation (its optimum bounds the stage), then:
/// 1. rounds it: servers the LP decides integrally keep its answer, the others (a basic LP solution has at most as
///    many fractional servers as there are coupling rows: capacities and fixed stages) get what greedy finds in the
///    capacity left, after ``ServedRepair`` restored any served count a fixed stage needs;
/// 2. RINS: pins every server on which the LP and the best answer so far agree and solves the small MIP over the
///    rest, starting from that answer.
/// The best answer is returned as the stage's result when it is within the relative gap of the LP bound (the same
/// certificate CBC would give, without its full search); otherwise it becomes `state.point`, the full MIP's start,
/// and `nil` is returned. On 10,000 servers this is what keeps a stage within seconds: CBC's own heuristics need
/// repeated LP solves of the whole model to find as good an answer.
extension StagedSolve {
    /// `lpGuard`: the LP's expected seconds and the time to the solve's deadline; an LP expected to outlast it is
    /// not started (CBC cannot stop inside one), and the stage keeps its answer and any bound it has. When that LP
    /// would have been the stage's first step, the stage counts as skipped, like one the time guard skips at its start.
    func relaxAndFix(_ state: inout StageState, fixed: [Int: Double], sense: LinearModel.Sense, integral: Bool,
                     settings: CbcSettings, budget: TimeBudget,
                     lpGuard: (expected: Double, left: Double)? = nil) -> MIPResult? {
        if let lpGuard, lpGuard.expected >= lpGuard.left {
            if state.steps.isEmpty { state.skipped = true }
            state.steps.append(.relaxationSkipped(expected: lpGuard.expected, left: lpGuard.left))
            return nil
        }
        let f = state.formulation
        let objective = f.model.objective
        // An LP still runs through CBC's MIP driver (see CbcModel): its heuristics and cuts only cost time here.
        var lpSettings = settings
        lpSettings.parameters.merge(["heuristicsOnOff": "off", "cutsOnOff": "off"]) { a, _ in a }
        state.relaxationBound = nil
        let relaxed = f.model.reduced(start: nil, pinned: fixed, dropPinned: tuning.dropPinnedColumns, relax: true)
            .solve(solveStage, settings: lpSettings)
        state.lastRelaxation = .init(seconds: relaxed.seconds, size: Double(f.model.reducedSize(pinned: fixed)),
                                     partials: servers.indices.contains { s in f.partialColumns(of: s).contains { fixed[$0] == nil } })
        if let last = state.lastRelaxation { state.noteLP(last) }
        guard let x = relaxed.values, var bound = relaxed.objective else {
            state.steps.append(.relaxationFailed(relaxed.status))
            return nil
        }
        state.steps.append(.relaxationBound(bound, seconds: relaxed.seconds))
        state.relaxationBound = bound
        if integral { bound = sense == .maximize ? (bound + 1e-6).rounded(.down) : (bound - 1e-6).rounded(.up) }
        let certificate = Certificate(objective: objective, bound: bound, tolerance: settings.relativeGap ?? 0)
        if let answer = certificate.answer(state.point) { return answer }
        let rounded = rounding(x, fixed: fixed, &state)
        adopt(rounded, objective: objective, sense: sense, &state)
        if let answer = certificate.answer(state.point) { return answer }
        if let incumbent = state.point, budget.left > 0 {
            let sub = rins(x, incumbent: incumbent, fixed: fixed, settings: settings, budget: budget, f)
            state.steps.append(.rins(sub.status, objective: sub.objective, seconds: sub.seconds))
            adopt(sub.values, objective: objective, sense: sense, &state)
        }
        return certificate.answer(state.point)
    }

    /// Whether an answer is within the gap of the LP bound, and the stage's result if so.
    struct Certificate {
        let objective: LinearExpression
        let bound: Double
        let tolerance: Double

        func gap(_ value: Double) -> Double { MIPResult.relativeGap(objective: value, bound: bound) }

        /// The same with a maximised count's bound lowered to `count` where that is tighter.
        func tightened(to count: Double) -> Certificate {
            Certificate(objective: objective, bound: min(bound, (count + 1e-6).rounded(.down)), tolerance: tolerance)
        }

        /// Whether an answer of objective `value` is within the tolerance of the bound.
        func accepts(_ value: Double) -> Bool { gap(value) <= tolerance }

        func answer(_ point: [Double]?) -> MIPResult? {
            guard let point, accepts(objective.value(point)) else { return nil }
            let v = objective.value(point)
            let g = gap(v)
            return MIPResult(status: g <= 1e-9 ? .optimal : .feasible, objective: v, bestBound: bound,
                             relativeGap: g, values: point)
        }
    }

    /// Makes `values` the best answer when it is complete, feasible and better than the current one.
    func adopt(_ values: [Double]?, objective: LinearExpression, sense: LinearModel.Sense, _ state: inout StageState) {
        let model = state.formulation.model
        guard let values, values.count == model.columns.count, model.violations(values).isEmpty else { return }
        let better = state.point.map { p in
            sense == .maximize ? objective.value(values) > objective.value(p) + 1e-9
                               : objective.value(values) < objective.value(p) - 1e-9 } ?? true
        if better { state.point = values }
    }

    /// Rounds the LP answer `x`: servers it decides integrally keep it; the others get what greedy finds in the
    /// capacity left, after served counts are repaired. Infeasible (and then not adopted) when a fractional server
    /// that a fixed stage needs served does not fit. Leaves `state.point` as it was.
    func rounding(_ x: [Double], fixed: [Int: Double], _ state: inout StageState) -> [Double]? {
        let f = state.formulation
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
        let saved = state.point
        state.point = rounded
        fillIdle(&state, only: Set(fractional))
        if repairServed(&state, preferring: Set(fractional), lpShare: { f.fullShares(of: $0, at: x) }) { fillIdle(&state) }
        let filled = state.point
        state.point = saved
        if let filled {
            let broken = f.model.violations(filled)
            state.steps.append(.rounded(f.model.objective.value(filled), fractional: fractional.count,
                                        broken: Array(broken.prefix(3))))
        }
        return filled
    }

    /// RINS: pins every server on which the LP answer `x` and the incumbent agree, and solves the MIP over the others
    /// from the incumbent.
    /// With `work` (server-nodes, the priced stages' ``MIPTuning/choiceSearchWork``), CBC's node limit is that
    /// divided by the servers left free, so its work does not grow with the clock.
    func rins(_ x: [Double], incumbent: [Double], fixed: [Int: Double], settings: CbcSettings, budget: TimeBudget,
              work: Int? = nil, _ f: AllocationFormulation) -> MIPResult {
        var pins = fixed
        var free = 0
        for s in servers.indices {
            let cols = f.columns(of: s)
            if cols.allSatisfy({ fixed[$0] != nil }) { continue }
            let agree = cols.allSatisfy { c in f.model.columns[c].kind == .continuous || abs(x[c] - incumbent[c]) <= 1e-6 }
            if agree {
                for c in cols where fixed[c] == nil { pins[c] = incumbent[c] }
            } else {
                free += 1
            }
        }
        var core = budget.limiting(settings)
        if let work, core.parameters["maxNodes"] == nil { core.parameters["maxNodes"] = String(nodeLimit(servers: free, work: work)) }
        return f.model.reduced(start: incumbent, pinned: pins, dropPinned: tuning.dropPinnedColumns)
            .solve(solveStage, settings: core)
    }
}
