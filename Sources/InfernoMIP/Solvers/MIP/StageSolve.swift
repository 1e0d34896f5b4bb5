import Foundation

/// One stage's solve: its objective and restrictions, its share of the time, which of LP and fix, CBC's search or
/// nothing runs, and the row that fixes its optimum for the stages after.
extension StagedSolve {
    /// The model as one stage sees it: the columns it pins and the objective CBC gets.
    struct PreparedStage {
        var fixed: [Int: Double]
        /// The tie-break's weight (0 without one), and the objective with it.
        var epsilon: Double
        var cbcObjective: LinearExpression
    }

    /// The time one stage may take and what CBC is told.
    struct StageTime {
        /// Left of the whole budget when the stage began.
        var left: Double
        /// The LP's expected seconds (0 without an earlier LP to scale from).
        var expected: Double
        var budget: TimeBudget
        var settings: CbcSettings
        /// Less time than the LP needs: keep the current answer.
        var skip: Bool
        /// Less time to the deadline than twice the last priced stage's pricing (with
        /// ``MIPTuning/guardedRelaxation``): keep the current answer. Nil when there is time, or no priced stage ran.
        var pricingSkip: (expected: Double, left: Double)? = nil
        /// The stage's full LP's expected seconds from any LP so far (``StageState/lpEstimate``), nil without one
        /// or with ``MIPTuning/guardedRelaxation`` off; and the whole solve's budget, which it must fit in.
        var lpExpected: Double?
        var whole: TimeBudget

        /// The full LP's estimate and the time to the solve's deadline now, when there is an estimate: the LP (or
        /// CBC's search, which begins with it) does not start when it would end past the deadline, as CBC cannot
        /// stop inside an LP.
        func lpGuard() -> (expected: Double, left: Double)? {
            lpExpected.map { ($0, whole.toDeadline) }
        }

        /// Whether the guard keeps the full LP from starting.
        var lpOutlastsSolve: Bool { lpGuard().map { $0.expected >= $0.left } ?? false }
    }

    /// Solves one stage; on success fixes its optimum (within a small slack) and moves `state.point` there.
    /// False when CBC returned no answer.
    func solve(_ request: StageRequest, _ state: inout StageState, budget: TimeBudget) -> Bool {
        let left = budget.toDeadline
        // Stages before the last may spend a share of what is left, so the cost stage always gets time.
        let share = left * (request.stage.isCost ? 1 : tuning.stageTimeShare)
        let prepared = prepare(request, &state)
        let started = budget.clock.now()
        state.steps = []
        state.skipped = false
        state.relaxationBound = nil
        let time = stageTime(request, prepared, state, budget: budget, left: left, share: share)
        let result = attempt(request, prepared, time, &state)
        return record(request, prepared, result, seconds: budget.elapsed(since: started), &state)
    }

    /// Pins what the stage leaves out, sets the (tie-broken) objective, and picks the better of the current and the
    /// greedy answer as the start.
    func prepare(_ request: StageRequest, _ state: inout StageState) -> PreparedStage {
        let f = state.formulation
        var fixed: [Int: Double] = [:]
        for s in request.excluded { fixed.merge(f.nothing(for: s)) { a, _ in a } }
        for s in request.withoutPartials { for c in f.partialColumns(of: s) where fixed[c] == nil { fixed[c] = 0 } }
        func restricted(_ p: [Double]) -> [Double] {
            var q = p
            for (i, v) in fixed where i < q.count { q[i] = v }
            if !request.withoutPartials.isEmpty { f.refreshIdle(&q) }
            return q
        }
        var epsilon = 0.0
        var cbcObjective = request.objective
        if let tieBreak = request.tieBreak, request.sense == .maximize {
            epsilon = tuning.tieBreakWeight / max(1, f.valueBound)
            cbcObjective = request.objective - epsilon * tieBreak
        }
        state.formulation.model.objective = cbcObjective
        state.formulation.model.sense = request.sense
        if let p = state.point { state.point = restricted(p) }
        let model = state.formulation.model
        if let g = state.greedyPoint.map(restricted), g.count == model.columns.count, model.violations(g).isEmpty {
            let better = state.point.map { p in
                request.sense == .maximize ? cbcObjective.value(g) > cbcObjective.value(p) + 1e-9
                                           : cbcObjective.value(g) < cbcObjective.value(p) - 1e-9 } ?? true
            if better { state.point = g }
        }
        return PreparedStage(fixed: fixed, epsilon: epsilon, cbcObjective: cbcObjective)
    }

    /// The stage's time: its share of what is left, or, when its LP alone is expected to outlast that share, what
    /// the LP needs and as much again for its rounding and RINS while that fits (the stages are lexicographic, a
    /// served count outranks the cost; docs/benchmark.md has the case that made it so). Skipped when less is left
    /// than the LP is expected to take: CBC cannot stop inside an LP, so the stage would overrun.
    func stageTime(_ request: StageRequest, _ prepared: PreparedStage, _ state: StageState, budget: TimeBudget,
                   left: Double, share: Double) -> StageTime {
        let f = state.formulation
        var remaining = share
        var settings = CbcSettings(timeLimitSeconds: max(0.01, remaining), relativeGap: options.relativeGap,
                                   logLevel: logLevel, parameters: tuning.cbcParameters)
        if prepared.epsilon > 0, request.integral {
            // Only a larger count is an improvement: it raises the tie-broken objective by at least
            // 1 - tieBreakWeight, a cheaper answer with the same count by at most tieBreakWeight. Without this,
            // CBC spends the stage improving the tie-break (docs/benchmark.md). Any increment in
            // (tieBreakWeight, 1 - tieBreakWeight] works; the midpoint is 1/2.
            settings.parameters["increment"] = "0.5"
        }
        // Expected from the last LP, scaled by size (columns and rows CBC gets) to the power 1.5, and by 25 when
        // partial service enters the model (docs/benchmark.md: the estimate's calibration). The estimate can be
        // several times short; a margin on it skipped stages that would have served more, so none is taken:
        // lexicographically, running the stage is the better error.
        let size = Double(f.model.reducedSize(pinned: prepared.fixed))
        let partials = servers.indices.contains { s in f.partialColumns(of: s).contains { prepared.fixed[$0] == nil } }
        let expected = state.lastRelaxation?.expectedSeconds(size: size, partials: partials) ?? 0
        let lpExpected = tuning.guardedRelaxation ? state.lpEstimate?.expectedSeconds(size: size, partials: partials) : nil
        if expected >= share, expected < left, tuning.stageTimeShare < 1 { remaining = min(left, 2 * expected) }
        let stageBudget = budget.starting(seconds: remaining)
        settings.timeLimitSeconds = max(0.01, remaining)
        let skip = remaining <= expected && tuning.stageTimeShare < 1
            && state.point.map { f.model.violations($0).isEmpty } == true
        return StageTime(left: left, expected: expected, budget: stageBudget, settings: settings, skip: skip,
                         pricingSkip: pricingSkip(state, budget: budget), lpExpected: lpExpected, whole: budget)
    }

    /// The last priced stage's pricing and the time to the deadline, when that is less than twice the pricing and
    /// the current answer can stand: a priced stage's relaxation and first round are not stopped by the clock, nor
    /// are its core LP and rounding (a four-class 10,000-server stage begun with 0.1 s left took 0.5 s, 0.27 s of it
    /// pricing).
    func pricingSkip(_ state: StageState, budget: TimeBudget) -> (expected: Double, left: Double)? {
        guard tuning.guardedRelaxation, tuning.choiceRelaxation, tuning.stageTimeShare < 1,
              let pricing = state.lastPricingSeconds, budget.toDeadline < 2 * pricing,
              state.point.map({ state.formulation.model.violations($0).isEmpty }) == true else { return nil }
        return (pricing, budget.toDeadline)
    }

    /// Runs the stage: skipped, settled by LP and fix, left at the LP's bound when no time is left for CBC's search,
    /// or searched by CBC from the best answer so far.
    func attempt(_ request: StageRequest, _ prepared: PreparedStage, _ time: StageTime,
                 _ state: inout StageState) -> MIPResult {
        let cbcObjective = prepared.cbcObjective
        if time.skip || time.pricingSkip != nil, let p = state.point {
            // Out of time before the stage starts: keep the current answer (it satisfies every fixed stage).
            state.skipped = true
            if time.skip {
                state.steps.append(.skipped(expected: time.expected, left: time.left))
            } else if let pricing = time.pricingSkip {
                state.steps.append(.pricingSkipped(expected: pricing.expected, left: pricing.left))
            }
            return MIPResult(status: .feasible, objective: cbcObjective.value(p), values: p)
        }
        if tuning.lpAndFix, tuning.choiceRelaxation,
           let shortcut = choiceRelaxAndFix(&state, fixed: prepared.fixed,
                                            integral: request.integral && prepared.epsilon == 0,
                                            target: countTarget(request, prepared),
                                            settings: time.settings, budget: time.budget, whole: time.whole) {
            return shortcut
        }
        if tuning.lpAndFix, let shortcut = relaxAndFix(&state, fixed: prepared.fixed, sense: request.sense,
                                                      integral: request.integral && prepared.epsilon == 0,
                                                      settings: time.settings, budget: time.budget,
                                                      lpGuard: time.lpGuard()) {
            return shortcut
        }
        if tuning.lpAndFix, tuning.stageTimeShare < 1,
           time.budget.left <= 0 || time.lpOutlastsSolve
            || state.relaxationBound != nil && time.budget.left <= (state.lastRelaxation?.seconds ?? 0),
           let p = state.point {
            // The stage's time went into the LP and its repairs, or its LP would outlast the solve: CBC would still
            // solve the root LP before it looked at its limit, so the best answer so far stands, with the bound.
            let v = cbcObjective.value(p)
            state.steps.append(.noTimeForSearch)
            return MIPResult(status: .feasible, objective: v, bestBound: state.relaxationBound,
                             relativeGap: state.relaxationBound.map { MIPResult.relativeGap(objective: v, bound: $0) },
                             values: p)
        }
        let full = time.budget.limiting(time.settings)
        let result = state.formulation.model.reduced(start: state.point, pinned: prepared.fixed,
                                                     dropPinned: tuning.dropPinnedColumns)
            .solve(solveStage, settings: full)
        state.steps.append(.search(limit: full.timeLimitSeconds ?? 0, result.status, objective: result.objective))
        return result
    }

    /// Records the stage in diagnostics and fixes its optimum: integral counts exactly, fractions and costs with a
    /// small tolerance. False when there is no answer.
    func record(_ request: StageRequest, _ prepared: PreparedStage, _ result: MIPResult, seconds: Double,
                _ state: inout StageState) -> Bool {
        let name = label + request.stage.name
        let status = MIPDiagnostics.Stage.Outcome(result.status)
        guard let values = result.values else {
            state.stages.append(.init(name: name, stage: request.stage, outcome: status, objective: nil,
                                      bestBound: result.bestBound, gap: nil, seconds: seconds, record: state.steps))
            return false
        }
        let epsilon = prepared.epsilon
        let value = request.objective.value(values)
        // The bound on `objective` itself: CBC's bound on the tie-broken objective plus at most
        // ε·tieBreak <= tieBreakWeight.
        var bound = result.bestBound
        if epsilon > 0, let b = bound {
            bound = countTarget(request, prepared)?.bound(b) ?? b + tuning.tieBreakWeight
        }
        let gap = bound.map { MIPResult.relativeGap(objective: value, bound: $0) }
        // With a tie-break, CBC's status is about the tie-broken objective. A tie-broken search CBC proves also
        // proves the count (a larger count would win on the tie-broken objective too); so does a count that
        // reaches its bound.
        let proven = result.status == .optimal
            || (epsilon > 0 && request.integral && (bound.map { value >= $0 - 1e-9 } ?? false))
        state.stages.append(.init(name: name, stage: request.stage,
                                  outcome: proven ? .optimal : (state.skipped ? .skipped : status),
                                  objective: value, bestBound: bound, gap: epsilon > 0 ? gap : result.relativeGap,
                                  seconds: seconds, record: state.steps))
        if !proven { state.limited = true }
        state.point = values
        // An integral row gets an integral right-hand side: CBC 2.10's preprocessing returned a wrong "optimal"
        // answer for `count >= 3.5` where `count >= 4` was solved right (the brute-force test caught it).
        let objective = request.objective, sense = request.sense
        if request.integral {
            let rounded = value.rounded()
            state.formulation.model.add(sense == .maximize ? objective >= rounded : objective <= rounded,
                                        "stage \(request.stage.name)")
            if let level = request.stage.servedPriority { state.requiredServed[level] = Int(rounded) }
        } else {
            let slack = 1e-6 * max(1, abs(value))
            state.formulation.model.add(sense == .maximize ? objective >= value - slack : objective <= value + slack,
                                        "stage \(request.stage.name)")
        }
        return true
    }
}
