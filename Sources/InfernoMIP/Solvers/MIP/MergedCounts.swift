/// A priced served stage with its interchangeable servers merged. The count the stage maximises sees a server only
/// through the linking rows its choices use (``ChoiceRelaxation``: GPU cards per type, the counts fixed before) and
/// whether each choice counts; servers alike in both are interchangeable, and answers that differ by swapping them
/// serve the same. CBC's search over a binary per server and choice explores every such swap. Here each *kind* of
/// server gets one integer column per distinct choice — how many of its servers take it — and a row that at most
/// (exactly, where taking nothing is not allowed) all of its servers do. The merged model has the stage's optimum
/// count and its LP bound, in a quarter of the columns at 2,000 servers, and CBC proves counts over it that it could
/// not prove over the servers (docs/benchmark.md, "Merged servers").
///
/// The merged objective is the count alone: a tie-break by cost would make the objective fractional and cost CBC
/// the pruning that an integral count gives it (measured several times slower). ``split(_:current:value:)`` turns
/// the counts back into a choice per server.
struct MergedCounts {
    /// One distinct choice: the linking rows it uses (by row) with their coefficients, and its weight in the count.
    struct Choice: Hashable {
        var rows: [Int]
        var coefficients: [Double]
        var count: Double
    }

    /// Servers (groups of the relaxation) with the same distinct choices and the same freedom to take nothing.
    struct Kind {
        var choices: [Choice]
        var mayIdle: Bool
        var members: [Int]
        /// Per member, per choice of the kind: the member's own choice index that is it (of two alike, the one of
        /// better value).
        var memberChoices: [[Int]]
    }

    private(set) var kinds: [Kind] = []
    /// Per group: its kind, and the kind's choice that each of its own choices is.
    private var kindOf: [Int] = []
    private var choiceOf: [[Int]] = []
    /// Per kind, its first column in ``problem(start:)``.
    private var firstColumn: [Int] = []
    private let lower: [Double]
    private let upper: [Double]

    /// Merges the groups of `relaxation` by the rows their choices use and `count`'s value at each of them.
    init(_ relaxation: ChoiceRelaxation, count: LinearExpression) {
        self.init(relaxation) { g, k in relaxation.value(of: count, group: g, choice: k) }
    }

    /// Merges the groups of `relaxation` by the rows their choices use and each choice's `weight` (group, choice).
    init(_ relaxation: ChoiceRelaxation, weight: (Int, Int) -> Double) {
        lower = relaxation.lower
        upper = relaxation.upper
        struct Key: Hashable { var choices: [Choice]; var mayIdle: Bool }
        var index: [Key: Int] = [:]
        for (g, group) in relaxation.groups.enumerated() {
            let own = group.columns.indices.map { k in
                let rows = group.rows[k].sorted { $0.row < $1.row }
                return Choice(rows: rows.map(\.row), coefficients: rows.map(\.coefficient), count: weight(g, k))
            }
            // In a fixed order, so that two servers listing the same choices differently are one kind.
            let distinct = Array(Set(own)).sorted(by: Self.precedes)
            let key = Key(choices: distinct, mayIdle: group.mayIdle)
            let kind: Int
            if let known = index[key] {
                kind = known
            } else {
                kind = kinds.count
                index[key] = kind
                kinds.append(Kind(choices: distinct, mayIdle: group.mayIdle, members: [], memberChoices: []))
            }
            kinds[kind].members.append(kindOf.count)
            kinds[kind].memberChoices.append(distinct.map { c in
                own.indices.filter { own[$0] == c }.max { group.values[$0] < group.values[$1] }!
            })
            kindOf.append(kind)
            choiceOf.append(own.map { c in distinct.firstIndex(of: c)! })
        }
        var next = 0
        for kind in kinds { firstColumn.append(next); next += kind.choices.count }
    }

    static func precedes(_ a: Choice, _ b: Choice) -> Bool {
        if a.count != b.count { return a.count < b.count }
        if a.rows != b.rows { return a.rows.lexicographicallyPrecedes(b.rows) }
        return a.coefficients.lexicographicallyPrecedes(b.coefficients)
    }

    var columnCount: Int { firstColumn.last.map { $0 + kinds[kinds.count - 1].choices.count } ?? 0 }

    /// The merged model maximising the count of the free servers: integer columns by kind, then choice; the kinds'
    /// rows, then the linking rows with the relaxation's bounds. `start` (a choice per group, −1 none) is CBC's start;
    /// with `around` (a count per column), each column stays within `width` of it; with `viable` (per group, the
    /// choices it may take, −1 nothing), a column stays at 0 unless some member of its kind may take it, and a kind
    /// serves at least its members that may not take nothing. Members of a kind may differ there (by the stage's
    /// tie-break): allowing what any member may take keeps every point whose members all take viable choices.
    func problem(start: [Int]?, around: [Double]? = nil, width: Double = 0, viable: [[Int]]? = nil) -> MIPProblem {
        var p = MIPProblem(sense: .maximize)
        var linking = [[(column: Int, coefficient: Double)]](repeating: [], count: lower.count)
        let (allowed, mustServe) = restriction(viable)
        for (k, kind) in kinds.enumerated() {
            let size = Double(kind.members.count)
            for (j, choice) in kind.choices.enumerated() {
                let near = around?[firstColumn[k] + j]
                p.variables.append(MIPVariable(name: "kind\(k)_\(j)", kind: .integer,
                                               lower: near.map { max(0, $0 - width) } ?? 0,
                                               upper: allowed[firstColumn[k] + j]
                                                   ? near.map { min(size, $0 + width) } ?? size : 0,
                                               objective: choice.count))
                for (r, a) in zip(choice.rows, choice.coefficients) { linking[r].append((firstColumn[k] + j, a)) }
            }
            let columns = Array(firstColumn[k]..<(firstColumn[k] + kind.choices.count))
            let served = kind.mayIdle ? (mustServe[k] > 0 ? Double(mustServe[k]) : -.infinity) : size
            p.rows.append(LinearRow(name: "kind \(k)", columns: columns, coefficients: columns.map { _ in 1 },
                                    lower: served, upper: size))
        }
        for (r, terms) in linking.enumerated() where !terms.isEmpty {
            p.rows.append(LinearRow(name: "linking \(r)", columns: terms.map(\.column),
                                    coefficients: terms.map(\.coefficient), lower: lower[r], upper: upper[r]))
        }
        if let start { p.start = Dictionary(uniqueKeysWithValues: merged(start).enumerated().map { ($0, $1) }) }
        return p
    }

    /// Per column, whether some member of its kind may take it under `viable` (all, without it); per kind, how many
    /// of its members may not take nothing.
    private func restriction(_ viable: [[Int]]?) -> (allowed: [Bool], mustServe: [Int]) {
        guard let viable else { return ([Bool](repeating: true, count: columnCount), kinds.map { _ in 0 }) }
        var allowed = [Bool](repeating: false, count: columnCount)
        var mustServe = [Int](repeating: 0, count: kinds.count)
        for (g, k) in kindOf.enumerated() {
            for c in viable[g] where c >= 0 { allowed[firstColumn[k] + choiceOf[g][c]] = true }
            if !viable[g].contains(-1) { mustServe[k] += 1 }
        }
        return (allowed, mustServe)
    }

    /// How many columns `viable` (as in ``problem(start:around:width:viable:)``) leaves free.
    func keptColumns(_ viable: [[Int]]) -> Int {
        restriction(viable).allowed.reduce(0) { $1 ? $0 + 1 : $0 }
    }

    /// Per column, the mean over its kind's members of `value(group, choice)` at the member's own choice that is it.
    func meanValues(_ value: (Int, Int) -> Double) -> [Double] {
        var out = [Double](repeating: 0, count: columnCount)
        for (k, kind) in kinds.enumerated() {
            for j in kind.choices.indices {
                let total = kind.members.indices.reduce(0.0) { $0 + value(kind.members[$1], kind.memberChoices[$1][j]) }
                out[firstColumn[k] + j] = total / Double(kind.members.count)
            }
        }
        return out
    }

    /// The stage log's step for a CBC search over this model.
    func step(_ result: MIPResult, count: Double?) -> MIPStep {
        .merged(servers: kindOf.count, kinds: kinds.count, columns: columnCount, result.status, count: count,
                seconds: result.seconds)
    }

    /// How many servers of each kind take each of its choices, in column order, at `choices` (one per group).
    func merged(_ choices: [Int]) -> [Double] {
        var counts = [Double](repeating: 0, count: columnCount)
        for (g, k) in choices.enumerated() where k >= 0 { counts[firstColumn[kindOf[g]] + choiceOf[g][k]] += 1 }
        return counts
    }

    /// What the servers the model leaves out (pinned) add to `count` at `point` (`choices` its choice per group): the
    /// same at every point of the stage, and what a merged count lacks of the stage's.
    func outside(_ count: LinearExpression, at point: [Double], choices: [Int]) -> Double {
        count.value(point) - self.count(choices)
    }

    /// The count of the free servers at `choices` (one per group).
    func count(_ choices: [Int]) -> Double {
        choices.indices.reduce(0) { sum, g in
            choices[g] < 0 ? sum : sum + kinds[kindOf[g]].choices[choiceOf[g][choices[g]]].count
        }
    }

    /// A choice per group (−1 none) with the merged `counts`: a server keeps its choice in `current` while its kind
    /// still needs that many on it (so what the stage chose between equal servers stays); the others take what is
    /// left, each the one of best `value(group, choice)` among the choices still needed, in member order.
    func split(_ counts: [Double], current: [Int], value: (Int, Int) -> Double) -> [Int] {
        var choices = [Int](repeating: -1, count: kindOf.count)
        for (k, kind) in kinds.enumerated() {
            var left = kind.choices.indices.map { Int(counts[firstColumn[k] + $0].rounded()) }
            var waiting: [Int] = []
            for (m, g) in kind.members.enumerated() {
                if current[g] >= 0, case let j = choiceOf[g][current[g]], left[j] > 0 {
                    left[j] -= 1
                    choices[g] = kind.memberChoices[m][j]
                } else {
                    waiting.append(m)
                }
            }
            for m in waiting {
                let g = kind.members[m], own = kind.memberChoices[m]
                guard let j = kind.choices.indices.filter({ left[$0] > 0 })
                    .max(by: { value(g, own[$0]) < value(g, own[$1]) }) else { break }
                left[j] -= 1
                choices[g] = own[j]
            }
        }
        return choices
    }
}

extension StagedSolve {
    /// What a merged search gave: the bound on the stage's count CBC proved (nil without one), and an answer serving
    /// more than the best answer before it (nil without one).
    struct MergedSearch {
        var bound: Double?
        var found: [Double]?
    }

    /// The stage's point at the merged `counts`: split back (``MergedCounts/split(_:current:value:)``) keeping
    /// `current` where the counts allow, the others by the relaxation's values.
    func mergedPoint(_ merged: MergedCounts, _ counts: [Double], current: [Int], _ relaxation: ChoiceRelaxation,
                     fixed: [Int: Double], columns: Int) -> [Double] {
        let choices = merged.split(counts, current: current) { g, k in relaxation.groups[g].values[k] }
        return pricedPoint(relaxation, choices, picks: choices, loose: [], fixed: fixed, columns: columns)
    }

    /// CBC's search over the merged stage from the best answer, under `nodes` (``MIPTuning/mergedSearchNodes`` unless
    /// told) and the stage's time: right after the rounding when the merged model is small
    /// (``MIPTuning/mergedSearchFirstColumns``), else after every other search of the stage. Leaves the best answer as
    /// it was.
    func mergedSearch(_ merged: MergedCounts, _ relaxation: ChoiceRelaxation, _ target: CountTarget,
                      fixed: [Int: Double], settings: CbcSettings, budget: TimeBudget, nodes: Int? = nil,
                      _ state: inout StageState) -> MergedSearch {
        guard let before = state.point else { return MergedSearch() }
        let current = relaxation.choices(at: before)
        var limited = budget.limiting(settings)
        // CBC's own presolve, preprocessing, cuts and heuristics: each off made the merged searches slower
        // (docs/benchmark.md), unlike on the stage's own model (``MIPTuning/cbcParameters``).
        limited.parameters = ["maxNodes": String(nodes ?? tuning.mergedSearchNodes), "increment": "0.5"]
        limited.relativeGap = 0
        let result = solveStage(merged.problem(start: current), limited)
        let outside = merged.outside(target.count, at: before, choices: current)
        var found: [Double]?, count: Double?
        if let values = result.values {
            let point = mergedPoint(merged, values, current: current, relaxation, fixed: fixed,
                                    columns: state.formulation.model.columns.count)
            count = target.count.value(point)
            // Only a larger count is worth taking: between answers of equal count this one chose by count alone.
            if let c = count, c > target.count.value(before) + 0.5, state.formulation.model.violations(point).isEmpty {
                found = point
            }
        }
        state.steps.append(merged.step(result, count: count))
        return MergedSearch(bound: result.bestBound.map { $0 + outside }, found: found)
    }

    /// The merged search right after the rounding. Its answer chose between equal servers by count alone, and the
    /// next stage starts from the stage's answer: where it serves more, a search over the least certain servers
    /// (`loose`) from the answer before it, for the first point that reaches the same count, finds one guided by the
    /// stage's tie-break more often than not (a cost stage started 2% dearer from a merged answer,
    /// docs/benchmark.md); where it does not, the merged answer is taken and polished. Returns `certificate` with
    /// the bound the merged search proved, nil when CBC failed.
    func mergedFirst(_ merged: MergedCounts, _ relaxation: ChoiceRelaxation, _ target: CountTarget,
                     _ certificate: Certificate, x: [Double], loose: ArraySlice<Int>, fixed: [Int: Double],
                     settings: CbcSettings, budget: TimeBudget, _ state: inout StageState) -> Certificate? {
        let search = mergedSearch(merged, relaxation, target, fixed: fixed, settings: settings, budget: budget, &state)
        if Self.cbcFailed(state.steps) { return nil }
        let tightened = search.bound.map { certificate.tightened(to: $0) } ?? certificate
        guard let found = search.found, let before = state.point else { return tightened }
        searchNear(before, count: target.count.value(found), relaxation, target, x: x, loose: loose, fixed: fixed,
                   settings: settings, budget: budget, &state)
        if Self.cbcFailed(state.steps) { return nil }
        if tightened.answer(state.point) == nil {
            take(found, over: before, target, fixed: fixed, settings: settings, budget: budget, &state)
        }
        return tightened
    }

    /// A merged answer serves `count`, more than `before`: CBC's search over the `loose` servers (the priced point
    /// `x` there loosened) from `before`, for the first point serving as many, which the stage's tie-break guides.
    func searchNear(_ before: [Double], count: Double, _ relaxation: ChoiceRelaxation, _ target: CountTarget,
                    x: [Double], loose: ArraySlice<Int>, fixed: [Int: Double], settings: CbcSettings,
                    budget: TimeBudget, _ state: inout StageState) {
        guard tuning.mergedSearchNear else { return }
        var wide = x
        for g in loose { loosen(&wide, relaxation.groups[g]) }
        var first = settings
        first.parameters["maxNodes"] = String(nodeLimit(servers: loose.count, work: tuning.choiceSearchWork))
        first.parameters["maxSolutions"] = "1"
        let sub = searchAtCount(count, target, x: wide, incumbent: before, fixed: fixed, settings: first, work: nil,
                                budget: budget, &state)
        state.steps.append(.neighbourhood(servers: loose.count, sub.status, objective: sub.objective,
                                          seconds: sub.seconds))
    }

    /// Takes a merged search's answer `found` where it serves more than the best answer, and polishes it from `before`.
    func take(_ found: [Double], over before: [Double], _ target: CountTarget, fixed: [Int: Double],
              settings: CbcSettings, budget: TimeBudget, _ state: inout StageState) {
        adopt(found, objective: state.formulation.model.objective, sense: .maximize, &state)
        guard state.point == found else { return }
        polishTieBreak(from: before, to: found, count: target.count.value(found), target, fixed: fixed,
                       settings: settings, budget: budget, &state)
    }

    /// The merged answer serves `count` but chose among equal servers by count alone; the answer before it chose by
    /// the stage's tie-break (cost plus penalty), and the next stage starts from the stage's answer. So CBC searches
    /// the servers where the two differ, under ``MIPTuning/mergedPolishWork``.
    func polishTieBreak(from before: [Double], to found: [Double], count: Double, _ target: CountTarget,
                        fixed: [Int: Double], settings: CbcSettings, budget: TimeBudget, _ state: inout StageState) {
        let sub = searchAtCount(count, target, x: before, incumbent: found, fixed: fixed, settings: settings,
                                work: tuning.mergedPolishWork, budget: budget, &state)
        state.steps.append(.polish(sub.status, objective: sub.objective, seconds: sub.seconds))
    }

    /// CBC's search over the servers where `x` and `incumbent` differ (RINS) with the count held at `count` by a row
    /// and the stage's tie-broken objective (no increment: only the tie-break can improve), without CBC's cuts and
    /// heuristics (as a neighbourhood search); a better answer is adopted. `settings` may carry a node limit, else
    /// `work` sets one.
    func searchAtCount(_ count: Double, _ target: CountTarget, x: [Double], incumbent: [Double], fixed: [Int: Double],
                       settings: CbcSettings, work: Int?, budget: TimeBudget, _ state: inout StageState) -> MIPResult {
        var f = state.formulation
        f.model.add(target.count >= count, "merged count")
        var s = settings
        s.parameters["increment"] = nil
        s.parameters.merge(["heuristicsOnOff": "off", "cutsOnOff": "off"]) { a, _ in a }
        let sub = rins(x, incumbent: incumbent, fixed: fixed, settings: s, budget: budget, work: work, f)
        adopt(sub.values, objective: state.formulation.model.objective, sense: .maximize, &state)
        return sub
    }
}
