import Foundation

/// Relax and fix by prices, before LP and fix (RelaxAndFix.swift), for stages that are a multiple-choice problem
/// (``ChoiceRelaxation``): the Lagrangian dual over the few linking rows bounds the stage without CBC's LP, and its
/// prices round to an answer in which only the servers that could not keep their priced choice are re-placed (by
/// greedy and ``ServedRepair``, as for a rounded LP). RINS then improves it over the servers where it and the best
/// answer so far disagree. When the best answer is within the relative gap of the bound (a served stage: at its
/// count's bound), that is the stage's result; otherwise CBC searches neighbourhoods of it (a served stage also
/// probes its counts, CountProbing.swift, whose bound holds at any prices; a cost stage first searches its servers
/// merged, MergedCompletion.swift and MergedCost.swift). Nil is returned when CBC failed, or the
/// column generation of a stage other than a served one did not converge: `state.point` then holds the best answer,
/// and the stage goes on to the LP.
extension StagedSolve {
    /// `whole` is the solve's budget: a core LP expected to end past its deadline is not started (``coreVertex``).
    func choiceRelaxAndFix(_ state: inout StageState, fixed: [Int: Double], integral: Bool, target: CountTarget?,
                           settings: CbcSettings, budget: TimeBudget, whole: TimeBudget) -> MIPResult? {
        let f = state.formulation
        let started = budget.clock.now()
        // Master blocks: a level's servers in `choiceRelaxationBlocks` blocks of their own (served counts are per level).
        let blocksPerLevel = max(1, tuning.choiceRelaxationBlocks)
        let levelIndex = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, $0) })
        guard var relaxation = ChoiceRelaxation(f, pinned: fixed, partials: tuning.pricedPartials, block: { s in
                  (levelIndex[servers[s].priority] ?? 0) * blocksPerLevel + s % blocksPerLevel }),
              relaxation.linkingRows > 0 else { return nil }
        let objective = f.model.objective, sense = f.model.sense
        // The best answer so far satisfies every row: the column generation's first column, so its master is
        // feasible from the start. Its rounds stop at a share of the stage's time: from one start a cost stage's
        // took 300 rounds and 69 s to its round limit, where it usually converges in 20-30 rounds (docs/benchmark.md,
        // "Merged probes"); without convergence the LP path takes over and needs the time left.
        let relaxationBudget = budget.starting(seconds: budget.left * tuning.choiceRelaxationTimeShare)
        guard let p = state.point, f.model.violations(p).isEmpty else { return nil }
        let start = relaxation.admit(p)
        // A served stage counts exactly: an answer stands only at the count's bound (a count within the relative gap
        // of it could be one server short of what the stage can serve). The merged search may lower that bound.
        func certificate(at value: Double) -> Certificate {
            var bound = relaxation.sign * value
            if integral { bound = sense == .maximize ? (bound + 1e-6).rounded(.down) : (bound - 1e-6).rounded(.up) }
            return target.map { Certificate(objective: $0.count, bound: $0.bound(bound), tolerance: 0) }
                ?? Certificate(objective: objective, bound: bound, tolerance: settings.relativeGap ?? 0)
        }
        // The rounds also stop once the start is within the gap of their bound: converging further only tightens
        // the bound, and the stage would still end at its start (a cost stage took 300 rounds, 0.4 s, to end there).
        let held = (target?.count ?? objective).value(p)
        let settled = { (b: ChoiceRelaxation.Bound?) in
            tuning.settledPricingStop && b.map { certificate(at: $0.value).accepts(held) } ?? false
        }
        guard let best = relaxation.bound(start: [start,
                                                  relaxation.evaluate([Double](repeating: 0, count: relaxation.linkingRows)).picks],
                                          rounds: tuning.choiceRelaxationRounds, tolerance: 1e-7,
                                          stop: { relaxationBudget.left <= 0 || settled($0) })
        else { return nil }
        state.lastPricingSeconds = budget.elapsed(since: started)
        state.steps.append(.lagrangianBound(relaxation.sign * best.value, rounds: best.rounds,
                                            seconds: budget.elapsed(since: started)))
        state.relaxationBound = relaxation.sign * best.value
        var certificate = certificate(at: best.value)
        if let answer = certificate.answer(state.point) { return answer }
        let (x, margins, core, agreed, rounded, feasible) = pricedRounding(relaxation, best, fixed: fixed,
                                                                           settings: settings, whole: whole, &state)
        // A CBC that fails (a crashed child process) fails the stage as on the LP path, where the driver falls back.
        if Self.cbcFailed(state.steps) { return nil }
        if let answer = certificate.answer(state.point) { return answer }
        // RINS from a feasible rounding frees little more than the servers the LP split (0.00–0.01 s) and runs first,
        // as before the merged search: the tie-break it improves is the next stage's start. After an infeasible
        // rounding it frees every server where the LP and the best answer differ (0.3–0.4 s at 2,000 servers), so
        // it waits until the merged search has not settled the stage.
        if feasible, let incumbent = state.point, budget.left > 0 {
            rinsStep(x, from: incumbent, fixed: fixed, settings: settings, budget: budget, &state)
            if let answer = certificate.answer(state.point) { return answer }
        }
        // The servers by how certain their priced choice is, least first: what the neighbourhood searches free.
        let order = margins.indices.sorted { margins[$0] < margins[$1] || margins[$0] == margins[$1] && $0 < $1 }
        let small = tuning.choiceSearchServers / 8
        // Not with partial service: the merged model has it only at its choices, not between them, so a count it
        // proves out of reach may be within reach (a best-effort row fixed before may need a server between them).
        let merged = target.flatMap {
            tuning.mergedCounts && !relaxation.hasPartialChoices ? MergedCounts(relaxation, count: $0.count) : nil
        }
        if let target, let merged, merged.columnCount <= tuning.mergedSearchFirstColumns, budget.left > 0 {
            // Near the bound, reduced-cost fixing keeps merged probes small: a point they find at the bound ends the
            // stage before a merged search that would spend its time finding it (MergedProbing.swift).
            certificate = earlyMergedProbes(merged, relaxation, best, target, certificate, x: x,
                                            loose: order.prefix(small), fixed: fixed, settings: settings,
                                            budget: budget, &state)
            if Self.cbcFailed(state.steps) { return nil }
            if let answer = certificate.answer(state.point) { return answer }
            // Interchangeable servers merged, CBC proves most counts the rounding fell short of (MergedCounts.swift).
            if budget.left > 0 {
                guard let tightened = mergedFirst(merged, relaxation, target, certificate, x: x,
                                                  loose: order.prefix(small), fixed: fixed, settings: settings,
                                                  budget: budget, &state)
                else { return nil }
                certificate = tightened
                if let answer = certificate.answer(state.point) { return answer }
            }
        }
        if let target, relaxation.hasPartialChoices, tuning.mergedCounts, tuning.partialsHeldSearch, budget.left > 0 {
            // No merged search with partial choices; one with the partial service held finds points
            // (PartialsHeldSearch.swift), and the probes over the servers after it prove what they can.
            partialsHeldSearch(relaxation, target, fixed: fixed, settings: settings, budget: budget, &state)
            if Self.cbcFailed(state.steps) { return nil }
            if let answer = certificate.answer(state.point) { return answer }
        }
        // A merged model too large to search first (5,000 servers and more): the count probes come first instead, as
        // their reduced-cost fixing keeps them small near the bound; after an infeasible rounding RINS and the
        // neighbourhood searches took the stage's time and found nothing (docs/benchmark.md, "Merged probes").
        let probeFirst = target != nil && tuning.mergedProbes
            && (merged?.columnCount ?? 0) > tuning.mergedSearchFirstColumns
        if let target, probeFirst, budget.left > 0 {
            // Three quarters of the stage's time at most, so that the steps after them still run where they do not
            // settle it.
            let share = budget.starting(seconds: budget.left * tuning.earlyProbeTimeShare)
            certificate = probeCounts(relaxation, best, target, certificate, merged: merged, x: x,
                                      loose: order.prefix(small), fixed: fixed, settings: settings, budget: share,
                                      &state)
            if Self.cbcFailed(state.steps) { return nil }
            if let answer = certificate.answer(state.point) { return answer }
        }
        if let target, !feasible, budget.left > 0, largeSplit(relaxation, x) {
            // The repair could not restore the counts fixed before: a large server the LP split, put back whole,
            // evicted more than it could restore. Dive on it with room made around it (PricedDive.swift).
            dive(relaxation, from: x, free: core, agreed: agreed, fixed: fixed, target: target,
                 steps: tuning.roomDiveSteps, makeRoom: true, settings: settings, budget: budget, whole: whole, &state)
            if Self.cbcFailed(state.steps) { return nil }
            if let answer = certificate.answer(state.point) { return answer }
        }
        if !feasible, let incumbent = state.point, budget.left > 0 {
            rinsStep(x, from: incumbent, fixed: fixed, settings: settings, budget: budget, &state)
        }
        if let answer = certificate.answer(state.point) { return answer }
        if target == nil, !feasible, tuning.mergedCompletion, !relaxation.hasPartialChoices, let rounded,
           budget.left > 0 {
            // The counts broken where every type is full: found over the merged model (MergedCompletion.swift). Not
            // with partial service: a point that keeps the best-effort rows too, with partial service only at its
            // most, took CBC 1.6-1.9 s and was not found (docs/benchmark.md, "Priced partial service").
            mergedCompletion(rounded, relaxation, fixed: fixed, settings: settings, budget: budget, &state)
            if Self.cbcFailed(state.steps) { return nil }
            if let answer = certificate.answer(state.point) { return answer }
        }
        if target == nil, tuning.mergedCost, budget.left > 0 {
            // Servers alike in rows and cost merged, as a served stage's are by rows and count (MergedCost.swift).
            mergedCostSearch(relaxation, fixed: fixed, settings: settings, budget: budget, &state)
            if Self.cbcFailed(state.steps) { return nil }
            if let answer = certificate.answer(state.point) { return answer }
        }
        if let target, sense == .maximize {
            let late = merged.flatMap { $0.columnCount > tuning.mergedSearchFirstColumns ? $0 : nil }
            return countSearch(relaxation, best, target, certificate, x: x, order: order, small: small, core: core,
                               agreed: agreed, merged: merged, late: late, probe: !probeFirst, fixed: fixed,
                               settings: settings, budget: budget, whole: whole, &state)
        }
        // Not converged (the round limit): the LP and CBC's search take over from the best answer.
        guard best.value - best.master <= 1e-6 * max(1, abs(best.value)) else { return nil }
        // Converged: the bound is the LP's, so CBC's LP would add nothing. CBC searches neighbourhoods of bounded
        // size instead of the whole stage (their LPs stay small, and CBC cannot stop inside an LP): the servers with
        // the least certain priced choice, a small one, then a wide one, each with a node limit as well as the time;
        // then, on a fleet of up to `choiceWholeSearchServers`, the whole stage.
        let first = neighbourhood(relaxation, x, order.prefix(small), certificate, fixed: fixed, settings: settings,
                                  budget: budget, &state)
        if order.count <= small { return finish(state.point, certificate, whole: first) }
        let last = neighbourhood(relaxation, x, order.prefix(tuning.choiceSearchServers), certificate, fixed: fixed,
                                 settings: settings, budget: budget, &state)
        if order.count <= tuning.choiceSearchServers || order.count > tuning.choiceWholeSearchServers {
            return finish(state.point, certificate, whole: order.count <= tuning.choiceSearchServers ? last : nil)
        }
        // Still not within the gap: CBC's search over the whole stage from the best answer, whose cuts at the root
        // often prove what the LP bound cannot (docs/benchmark.md, "Exact counts").
        let whole = neighbourhood(relaxation, x, order[...], certificate, fixed: fixed, settings: settings, budget: budget,
                                  &state)
        return finish(state.point, certificate, whole: whole)
    }

    /// RINS over the servers where the priced answer `x` and `incumbent` differ; a better answer is adopted.
    func rinsStep(_ x: [Double], from incumbent: [Double], fixed: [Int: Double], settings: CbcSettings,
                  budget: TimeBudget, _ state: inout StageState) {
        let f = state.formulation
        let sub = rins(x, incumbent: incumbent, fixed: fixed, settings: settings, budget: budget,
                       work: tuning.choiceSearchWork, f)
        state.steps.append(.rins(sub.status, objective: sub.objective, seconds: sub.seconds))
        adopt(sub.values, objective: f.model.objective, sense: f.model.sense, &state)
    }

    /// Whether a CBC call of the stage so far ended in an error.
    static func cbcFailed(_ steps: [MIPStep]) -> Bool {
        steps.contains { step in
            switch step {
            case .coreLP(_, .error, _, _), .rins(.error, _, _), .neighbourhood(_, .error, _, _),
                 .countProbe(_, _, .error, _), .mergedProbe(_, _, .error, _), .merged(_, _, _, .error, _, _),
                 .polish(.error, _, _): true
            default: false
            }
        }
    }

    /// The stage's result at the best answer: within the gap of the bound, or feasible with its gap; `whole` is
    /// CBC's search over the whole stage, if one ran, whose proof of optimality or bound then holds for the stage
    /// (its bound on a served stage's tie-broken objective bounds the count through `count`).
    func finish(_ point: [Double]?, _ certificate: Certificate, whole: MIPResult?,
                count: CountTarget? = nil) -> MIPResult? {
        guard let point else { return nil }
        let v = certificate.objective.value(point)
        if let whole, whole.status == .optimal {
            // CBC proved the stage (the best answer is CBC's or one at least as good), as its full search would.
            return MIPResult(status: .optimal, objective: v, bestBound: whole.bestBound ?? v, relativeGap: 0, values: point)
        }
        // Both bounds are valid; the one nearer the answer is the tighter (CBC's branching may have raised the LP's).
        var bound = certificate.bound
        if let b = whole?.bestBound.map({ count?.bound($0) ?? $0 }), abs(b - v) < abs(bound - v) { bound = b }
        let tight = Certificate(objective: certificate.objective, bound: bound, tolerance: certificate.tolerance)
        return tight.answer(point) ?? MIPResult(status: .feasible, objective: v, bestBound: bound,
                                                relativeGap: tight.gap(v), values: point)
    }

    /// Rounds the priced answer: the LP over the master's fractional servers (``coreVertex``) gives a vertex that
    /// ``rounding(_:fixed:_:)`` rounds as an LP's; without it, the prices' own rounding. Adopts the result when it is
    /// better, and returns the point rounded from (for RINS), each group's margin at the prices, the rounding (after
    /// its repair) and whether it satisfied every row.
    func pricedRounding(_ relaxation: ChoiceRelaxation, _ best: ChoiceRelaxation.Bound, fixed: [Int: Double],
                        settings: CbcSettings, whole: TimeBudget, _ state: inout StageState)
        -> (x: [Double], margins: [Double], core: Set<Int>, agreed: [Int], rounded: [Double]?, feasible: Bool) {
        let f = state.formulation
        let priced = relaxation.rounded(at: best.prices)
        // The core: the servers the master's LP answer has fractional (its mixed assignments disagree on them).
        // Pinning every other server where that answer has it keeps the answer feasible, so the LP over the core
        // alone has the stage's LP optimum, at a fraction of the stage LP's size, and its vertex (at most as many
        // fractional servers as linking rows) rounds as an LP's does.
        var core = Set<Int>()
        var agreed = best.picks
        for (g, group) in relaxation.groups.enumerated() {
            if let k = best.agreed(g, block: group.block) { agreed[g] = k } else { core.insert(g) }
        }
        var x = pricedPoint(relaxation, priced.choices, picks: best.picks, loose: Set(priced.bumped), fixed: fixed,
                            columns: f.model.columns.count)
        if let vertex = coreVertex(relaxation, picks: agreed, core: core, fixed: fixed, settings: settings,
                                   whole: whole, &state) {
            x = vertex
        }
        let rounded = rounding(x, fixed: fixed, &state)
        adopt(rounded, objective: f.model.objective, sense: f.model.sense, &state)
        return (x, priced.margins, core, agreed, rounded, rounded.map { f.model.violations($0).isEmpty } ?? false)
    }

    /// CBC's search from the best answer over `groups` and the servers where it and `x` disagree (RINS with a
    /// neighbourhood), unless the best answer is already within the gap.
    @discardableResult
    func neighbourhood(_ relaxation: ChoiceRelaxation, _ x: [Double], _ groups: ArraySlice<Int>,
                       _ certificate: Certificate, fixed: [Int: Double], settings: CbcSettings, budget: TimeBudget,
                       _ state: inout StageState) -> MIPResult? {
        guard let incumbent = state.point, budget.left > 0, certificate.answer(incumbent) == nil else { return nil }
        var wide = x
        for g in groups { loosen(&wide, relaxation.groups[g]) }
        // A node limit by work on every search, so that its answer does not depend on the machine (the time stays
        // the outer guard). On a part of the stage CBC's root cuts and heuristics mostly delay the branching that
        // improves the answer it starts from (docs/benchmark.md, "Exact counts"); over all of it they help prove it.
        var limited = settings
        limited.parameters["maxNodes"] = String(nodeLimit(servers: groups.count, work: tuning.choiceSearchWork))
        if groups.count < relaxation.groups.count {
            limited.parameters.merge(["heuristicsOnOff": "off", "cutsOnOff": "off"]) { a, _ in a }
        }
        let f = state.formulation
        let sub = rins(wide, incumbent: incumbent, fixed: fixed, settings: limited, budget: budget, f)
        state.steps.append(.neighbourhood(servers: groups.count, sub.status, objective: sub.objective, seconds: sub.seconds))
        adopt(sub.values, objective: f.model.objective, sense: f.model.sense, &state)
        return sub
    }

    /// The node limit of a CBC search in a priced stage that leaves `servers` free, for `work` server-nodes
    /// (``MIPTuning/choiceSearchWork``, ``MIPTuning/countProbeWork``).
    func nodeLimit(servers: Int, work: Int) -> Int {
        max(10, min(tuning.choiceSearchNodes, work / max(1, servers)))
    }

    /// Marks a group's server fractional at `x`, so that RINS leaves it free.
    func loosen(_ x: inout [Double], _ group: ChoiceRelaxation.Group) {
        for c in group.owned { x[c] = 0.5 }
        if let idle = group.idleColumn { x[idle] = 0.5 }
    }

    /// A vertex of the stage's LP with every server outside `core` pinned to its priced pick: nil when CBC finds
    /// none (the pins overfill a row when the prices are not exact), or when the LP is expected to end past `whole`'s
    /// deadline (CBC cannot stop inside an LP; estimated as a stage's full LP is, ``StageState/lpEstimate``).
    func coreVertex(_ relaxation: ChoiceRelaxation, picks: [Int], core: Set<Int>, fixed: [Int: Double],
                    settings: CbcSettings, whole: TimeBudget, _ state: inout StageState) -> [Double]? {
        var pins = fixed
        for (g, group) in relaxation.groups.enumerated() where !core.contains(g) { group.fix(picks[g], in: &pins) }
        let model = state.formulation.model
        if tuning.guardedRelaxation, let expected = state.lpEstimate?.expectedSeconds(
               size: Double(model.reducedSize(pinned: pins)), partials: relaxation.hasPartialChoices),
           expected >= whole.toDeadline {
            state.steps.append(.relaxationSkipped(expected: expected, left: whole.toDeadline))
            return nil
        }
        var lpSettings = settings
        lpSettings.parameters.merge(["heuristicsOnOff": "off", "cutsOnOff": "off"]) { a, _ in a }
        let lp = model.reduced(start: nil, pinned: pins, dropPinned: true, relax: true).solve(solveStage, settings: lpSettings)
        state.steps.append(.coreLP(servers: core.count, lp.status, objective: lp.objective, seconds: lp.seconds))
        if lp.status == .optimal, lp.seconds >= tuning.lpPaceMinSeconds {
            // What a full LP is estimated from when none ran before (StageState.largestLP): the same kind of model,
            // a part of the servers free, with partial service where the stage prices it.
            state.noteLP(.init(seconds: lp.seconds, size: Double(model.reducedSize(pinned: pins)),
                               partials: relaxation.hasPartialChoices, core: true))
        }
        return lp.values
    }

    /// The point the prices choose: each server on its choice in `choices` (see ``ChoiceRelaxation/rounded(at:)``);
    /// a server in `loose` is left half on its priced pick, so ``rounding(_:fixed:_:)`` treats it as an LP's
    /// fractional server and places it again, and ``rins(_:incumbent:fixed:settings:budget:_:)`` leaves it free.
    func pricedPoint(_ relaxation: ChoiceRelaxation, _ choices: [Int], picks: [Int], loose: Set<Int>,
                     fixed: [Int: Double], columns: Int) -> [Double] {
        var x = [Double](repeating: 0, count: columns)
        for (i, v) in fixed { x[i] = v }
        for (g, group) in relaxation.groups.enumerated() {
            let k = choices[g]
            if loose.contains(g) {
                if let idle = group.idleColumn { x[idle] = 0.5 }
                if picks[g] >= 0 { for (c, v) in group.settings[picks[g]] { x[c] = 0.5 * v } }
            } else if k >= 0 {
                for (c, v) in group.settings[k] { x[c] = v }
            } else if let idle = group.idleColumn {
                x[idle] = 1
            }
        }
        return x
    }
}
