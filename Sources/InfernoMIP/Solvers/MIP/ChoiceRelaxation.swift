/// A stage's LP relaxation when every server still free in it picks one of a few *choices* or nothing
/// (single-accelerator mode: policy `None`, served stages whose partial service is all pinned — every one under
/// `RoundRobin`, the top level's under the priority policies — and, with partial service, the best-effort stages of
/// `PriorityExhaustive`, the cost stages of the best-effort policies and a lower level's served stage while a level
/// above keeps its partial service): a multiple-choice problem whose servers are coupled only by a few *linking*
/// rows (one capacity row per GPU type and the rows earlier stages fixed). Everything else is one server's choice.
///
/// A choice is a vertex of one server's part of the LP: a full-service column at 1, or partial service on a
/// candidate at its most replicas (`g = 1, q = n − 1`; and at none, `g = 1, q = 0`, where the use column alone is
/// worth more than nothing). Those are all the vertices of `Σ f + Σ g ≤ 1, 0 ≤ q ≤ (n − 1)·g`, so the LP over the
/// choices is the stage's LP.
///
/// Its Lagrangian dual prices the linking rows: at prices `y`, each server independently takes the choice with the
/// best value less the priced use of the rows (or nothing), and
///
///     L(y) = constant + Σ_r rhs_r(y_r)·y_r + Σ_s max(0, max_k (c[s,k] − Σ_r y_r·a[r,k]))
///
/// (maximising; `rhs_r` is the row's upper bound where `y_r > 0`, its lower bound where `y_r < 0`) is an upper bound
/// on the stage's LP optimum, hence on the stage, at *every* `y` of the right signs, and equals the LP optimum at
/// the best `y` (LP duality). ``bound(start:rounds:tolerance:)`` finds that `y` by column generation; a pass over the
/// servers' choices per round is most of the cost, so the work is `rounds × choices`, the same on every machine.
/// Minimising stages are solved as maximising `−objective`.
struct ChoiceRelaxation {
    /// One server's choices: model columns, objective value (maximising form) and linking-row coefficients.
    struct Group {
        var server: Int
        /// Each choice's own column: its full-service column, or for partial service its replica column (its use
        /// column for the choice that serves none). A count's terms are on full-service columns only.
        var columns: [Int]
        /// What each choice sets: a full-service column to 1; a partial one its use column to 1 and its replica
        /// column to a count. Every other column of ``owned`` is 0 at the choice.
        var settings: [[(column: Int, value: Double)]]
        /// Every free column of the server but its idle column.
        var owned: [Int]
        var values: [Double]
        var rows: [[(row: Int, coefficient: Double)]]
        /// The server may take nothing (its idle column is free or absent).
        var mayIdle: Bool
        var idleColumn: Int?
        /// The master's block (see ``blockCount``).
        var block: Int
        /// The use and replica columns of the server's free partial service (empty without).
        var partialColumns: [Int]
        /// Some choice is partial service.
        var partial: Bool { !partialColumns.isEmpty }

        /// Pins the server to choice `k` (−1 nothing): every column it owns to what the choice sets, 0 elsewhere.
        func fix(_ k: Int, in pins: inout [Int: Double]) {
            for c in owned { pins[c] = 0 }
            if k >= 0 { for (c, v) in settings[k] { pins[c] = v } }
            if let idleColumn { pins[idleColumn] = k < 0 ? 1 : 0 }
        }
    }

    /// `coefficient` summed over what a choice sets (column × value). A single column at 1 reads its coefficient
    /// alone: the same bits as when every choice was one column.
    static func weigh(_ set: [(column: Int, value: Double)], _ coefficient: (Int) -> Double) -> Double {
        if set.count == 1, set[0].value == 1 { return coefficient(set[0].column) }
        return set.reduce(0.0) { $0 + coefficient($1.column) * $1.value }
    }

    /// A group's columns as the rows and the objective see them (kept only where partial service is priced: a
    /// choice at a point no choice is, ``admit(_:)``, is compiled from it).
    private struct ColumnData {
        var value: [Int: Double] = [:]
        var rows: [Int: [(row: Int, coefficient: Double)]] = [:]
        /// The idle column's rows and value (taken out of every choice: idle = 1 − Σ choices).
        var idleRows: [(row: Int, coefficient: Double)] = []
        var idleValue = 0.0
    }

    private(set) var groups: [Group] = []
    /// The groups' choices as the pricing passes read them (``Choices``), rebuilt where ``groups`` change.
    private var choiceTable = Choices()
    private var columnData: [ColumnData] = []
    /// Linking rows' bounds after the pinned columns' (and idle columns') share is taken out.
    private(set) var lower: [Double] = []
    private(set) var upper: [Double] = []
    /// Objective value of the pinned columns (and of every idle column at 1), maximising form.
    private(set) var constant = 0.0
    /// +1 maximising, −1 minimising: model objective = sign × (maximising form).
    let sign: Double

    var linkingRows: Int { lower.count }
    var choiceCount: Int { groups.reduce(0) { $0 + $1.columns.count } }
    /// Some server has a partial-service choice.
    var hasPartialChoices: Bool { groups.contains(where: \.partial) }

    /// The structure of `f.model` with `pinned` columns fixed, or nil when some free column or row is not of it
    /// (partial service unless `partials`, heterogeneous servers, a per-server row other than the one-accelerator
    /// and partial-service rows), or when more than `maxLinkingRows` rows link servers.
    init?(_ f: AllocationFormulation, pinned: [Int: Double], maxLinkingRows: Int = 64, partials: Bool = false,
          block: (Int) -> Int = { _ in 0 }) {
        let model = f.model
        sign = model.sense == .maximize ? 1 : -1
        var owner = [Int](repeating: -1, count: model.columns.count)
        var constantValue = 0.0
        let objective = model.objective
        // In column order: a sum in the dictionary's order, which differs between runs, may differ in its last bits.
        for (i, v) in pinned.sorted(by: { $0.key < $1.key }) { constantValue += sign * (objective.terms[i] ?? 0) * v }
        // The pins by column, read below for every column of every server and every term of every row.
        var pinValue = [Double?](repeating: nil, count: model.columns.count)
        for (i, v) in pinned where i < pinValue.count { pinValue[i] = v }
        for s in f.servers.indices {
            let all = f.columns(of: s)
            let free = all.filter { pinValue[$0] == nil }
            if free.isEmpty { continue }
            guard let (choices, idle) = f.choiceColumns(of: s) else { return nil }
            let freeChoices = choices.filter { pinValue[$0] == nil }
            let pairs = partials ? f.partialPairs(of: s).filter { pinValue[$0.use] == nil || pinValue[$0.count] == nil } : []
            // A pair half pinned is not a choice; nor is one pinned to serve.
            guard pairs.allSatisfy({ pinValue[$0.use] == nil && pinValue[$0.count] == nil }) else { return nil }
            let pairColumns = Set(pairs.flatMap { [$0.use, $0.count] })
            // Every free column is a choice, a partial pair's or the idle column; a choice, or the idle column,
            // pinned to 1 fixes the server (not the structure; the stages never pin so).
            guard free.allSatisfy({ freeChoices.contains($0) || $0 == idle || pairColumns.contains($0) }),
                  !choices.contains(where: { pinValue[$0] == 1 }), idle.map({ pinValue[$0] != 1 }) ?? true else { return nil }
            let idleValue = idle.map { sign * (objective.terms[$0] ?? 0) } ?? 0
            let mayIdle = idle.map { pinValue[$0] != 0 } ?? true
            let idleFree = idle.map { pinValue[$0] == nil } ?? false
            if let idle, idleFree { constantValue += idleValue; owner[idle] = groups.count } // idle = 1 − Σ choices
            var settings: [[(column: Int, value: Double)]] = freeChoices.map { [($0, 1)] }
            var primary = freeChoices
            for pair in pairs {
                if pair.upper >= 1 {
                    settings.append([(pair.use, 1), (pair.count, pair.upper)])
                    primary.append(pair.count)
                }
                if sign * (objective.terms[pair.use] ?? 0) > (idleFree ? idleValue : 0) || !mayIdle {
                    settings.append([(pair.use, 1)])
                    primary.append(pair.use)
                }
            }
            let owned = freeChoices + pairs.flatMap { [$0.use, $0.count] }
            for c in owned { owner[c] = groups.count }
            let idleShift = idleFree ? idleValue : 0
            groups.append(Group(server: s, columns: primary, settings: settings, owned: owned,
                                values: settings.map { Self.weigh($0) { sign * (objective.terms[$0] ?? 0) } - idleShift },
                                rows: settings.map { _ in [] }, mayIdle: mayIdle, idleColumn: idleFree ? idle : nil,
                                block: block(s), partialColumns: pairs.flatMap { [$0.use, $0.count] }))
            if partials {
                var data = ColumnData(idleValue: idleShift)
                for c in owned { data.value[c] = sign * (objective.terms[c] ?? 0) }
                columnData.append(data)
            }
        }
        constant = constantValue
        // Per row, each column's coefficient in a dense array (cleared before the next row), and the groups the row
        // touches in the order first touched: a dictionary per group and row cost more than the rest of the
        // construction.
        var rowCoefficient = [Double](repeating: 0, count: model.columns.count)
        var inRow = [Bool](repeating: false, count: model.columns.count)
        var touchedColumns: [Int] = [], touchedGroups: [Int] = []
        var touched = [Bool](repeating: false, count: groups.count)
        // Per group where its choices start in `single`, and per choice the one column it sets to 1 (−1 for one
        // that sets more: partial service at its most); per group its idle column (−1 none). The row loop reads these
        // rather than each group's nested arrays.
        var firstChoice = [0], single: [Int] = [], idleOf: [Int] = []
        for g in groups {
            for set in g.settings { single.append(set.count == 1 && set[0].value == 1 ? set[0].column : -1) }
            firstChoice.append(single.count)
            idleOf.append(g.idleColumn ?? -1)
        }
        var byChoice: [Double] = [], liveGroups: [Int] = []
        // A row's shift is its value where the pinned columns hold their pins and each free idle column is 1
        // (idle = 1 − Σ choices), the other columns 0: `LinearExpression.value` sums it in column order, as
        // `LinearModel.reduced` does its shift (summed in the terms' order, the bound's last bits changed from run to
        // run wherever a pinned coefficient is fractional, as best-effort rows' are).
        var pinsAndIdle = pinValue.map { $0 ?? 0 }
        for g in groups { if let idle = g.idleColumn { pinsAndIdle[idle] = 1 } }
        for (r, (_, c)) in model.constraints.enumerated()
        where !f.assignmentRows.contains(r) && !(partials && f.partialRows.contains(r)) {
            let shift = c.expression.value(pinsAndIdle)
            for column in touchedColumns { rowCoefficient[column] = 0; inRow[column] = false }
            for g in touchedGroups { touched[g] = false }
            touchedColumns.removeAll(keepingCapacity: true)
            touchedGroups.removeAll(keepingCapacity: true)
            for (i, a) in c.expression.terms {
                if pinValue[i] != nil { continue }
                let g = owner[i]
                guard g >= 0 else { return nil }
                rowCoefficient[i] = a
                inRow[i] = true
                touchedColumns.append(i)
                if !touched[g] { touched[g] = true; touchedGroups.append(g) }
            }
            // Each touched group's coefficient per choice, in `byChoice` from `firstChoice[g]` on (only the touched
            // groups' entries are written, and read).
            if byChoice.count < single.count { byChoice = [Double](repeating: 0, count: single.count) }
            liveGroups.removeAll(keepingCapacity: true)
            for g in touchedGroups {
                let idleA = idleOf[g] >= 0 ? rowCoefficient[idleOf[g]] : 0
                var any = false
                for k in firstChoice[g]..<firstChoice[g + 1] {
                    let own = single[k] >= 0 ? rowCoefficient[single[k]]
                        : Self.weigh(groups[g].settings[k - firstChoice[g]]) { rowCoefficient[$0] }
                    byChoice[k] = own - idleA
                    any = any || byChoice[k] != 0
                }
                if any { liveGroups.append(g) }
            }
            if liveGroups.isEmpty { continue }
            guard lower.count < maxLinkingRows else { return nil }
            let row = lower.count
            lower.append(c.lower - shift)
            upper.append(c.upper - shift)
            for g in liveGroups {
                for k in firstChoice[g]..<firstChoice[g + 1] where byChoice[k] != 0 {
                    groups[g].rows[k - firstChoice[g]].append((row, byChoice[k]))
                }
                if partials {
                    for col in groups[g].owned where inRow[col] {
                        columnData[g].rows[col, default: []].append((row, rowCoefficient[col]))
                    }
                    if let idle = groups[g].idleColumn, inRow[idle] {
                        columnData[g].idleRows.append((row, rowCoefficient[idle]))
                    }
                }
            }
        }
        choiceTable = Choices(groups)
    }

    /// The choice per group at `point`, where some group is at a point no choice of it is (partial service at a
    /// count between none and its most), with that point added to the group's choices: it lies in the server's
    /// part of the LP, so the LP is unchanged. The column generation's start is such a point.
    mutating func admit(_ point: [Double]) -> [Int] {
        var out: [Int] = []
        for g in groups.indices {
            if let k = choice(of: groups[g], at: point) { out.append(k); continue }
            guard g < columnData.count else { out.append(-1); continue }
            let data = columnData[g]
            let set = groups[g].owned.compactMap { c in abs(point[c]) > 1e-6 ? (column: c, value: point[c].rounded()) : nil }
            guard let own = set.last?.column else { out.append(-1); continue }
            var rows: [Int: Double] = [:]
            for (c, v) in set { for (r, a) in data.rows[c] ?? [] { rows[r, default: 0] += a * v } }
            for (r, a) in data.idleRows { rows[r, default: 0] -= a }
            groups[g].settings.append(set)
            groups[g].columns.append(own)
            groups[g].values.append(Self.weigh(set) { data.value[$0] ?? 0 } - data.idleValue)
            groups[g].rows.append(rows.filter { $0.value != 0 }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
            out.append(groups[g].columns.count - 1)
        }
        choiceTable = Choices(groups)
        return out
    }

    /// Prices must have the sign of the bound they price: `y_r ≥ 0` for an upper bound, `≤ 0` for a lower one.
    func projected(_ y: [Double]) -> [Double] {
        y.indices.map { r in
            var v = y[r]
            if upper[r] == .infinity { v = min(v, 0) }
            if lower[r] == -.infinity { v = max(v, 0) }
            return v
        }
    }

    /// One server's choices ranked by reduced value at prices `y`: (choice index or −1 for nothing, reduced value),
    /// best first.
    func ranked(_ g: Int, _ y: [Double]) -> [(choice: Int, reduced: Double)] {
        let t = choiceTable
        var out: [(choice: Int, reduced: Double)] = t.mayIdle[g] ? [(-1, 0)] : []
        for c in t.first[g]..<t.first[g + 1] { out.append((c - t.first[g], t.reduced(c, y))) }
        return out.sorted { $0.reduced > $1.reduced || $0.reduced == $1.reduced && $0.choice < $1.choice }
    }

    /// What the prices `y` choose: L(y), each server's best choice (−1 nothing), the linking rows' use and the value
    /// of those choices (maximising form, without ``constant``).
    struct Pricing {
        var value: Double
        var picks: [Int]
        var use: [Double]
        var picked: Double
    }

    func evaluate(_ y: [Double]) -> Pricing {
        var value = constant, picked = 0.0
        var use = [Double](repeating: 0, count: linkingRows)
        var picks: [Int] = []
        picks.reserveCapacity(groups.count)
        let t = choiceTable
        for g in 0..<t.mayIdle.count {
            let first = t.first[g], end = t.first[g + 1]
            var best = t.mayIdle[g] ? 0.0 : -Double.infinity, pick = -1
            for c in first..<end {
                let v = t.reduced(c, y)
                if v > best { best = v; pick = c - first }
            }
            if best == -.infinity, end > first { pick = 0; best = t.values[first] }
            if pick >= 0 {
                picked += t.values[first + pick]
                t.add(first + pick, to: &use)
            }
            picks.append(pick)
        }
        // L = value of the picks + Σ_r y_r·(rhs_r − use_r): equal to the sum of the best reduced values plus
        // Σ_r y_r·rhs_r, without the cancellation of two large terms when a price is large.
        value += picked
        for r in 0..<linkingRows where y[r] != 0 { value += y[r] * ((y[r] > 0 ? upper[r] : lower[r]) - use[r]) }
        return Pricing(value: value, picks: picks, use: use, picked: picked)
    }

    /// The linking rows' use and value (without ``constant``) of a choice per group.
    func proposal(_ choices: [Int]) -> (use: [Double], value: Double) {
        var use = [Double](repeating: 0, count: linkingRows), value = 0.0
        let t = choiceTable
        for (g, k) in choices.enumerated() where k >= 0 {
            value += t.values[t.first[g] + k]
            t.add(t.first[g] + k, to: &use)
        }
        return (use, value)
    }

    /// The result of minimising L: the smallest L found (an upper bound on the stage, maximising form), its prices
    /// and picks, the master's value (the LP value of a mix of whole assignments, a lower bound on the LP optimum)
    /// and the rounds taken.
    struct Bound {
        var value: Double
        var prices: [Double]
        var picks: [Int]
        var master: Double
        var rounds: Int
        /// The master's answer at its last solve: per block, the choices of the assignments it mixes (weight > 0).
        var mix: [[[Int]]] = []

        /// The choice every assignment the master mixes gives group `g` (of block `block`), or nil when they differ:
        /// the groups fractional in the master's LP answer.
        func agreed(_ g: Int, block: Int) -> Int? {
            guard let first = mix[block].first?[g] else { return nil }
            return mix[block].allSatisfy { $0[g] == first } ? first : nil
        }
    }

    /// Minimises L(y) exactly by column generation (Dantzig–Wolfe): a master LP over mixes of whole assignments
    /// (``MasterLP``: a row per finite bound of a linking row and one convexity row) gives prices; the assignment
    /// those prices choose is added to it, until L at the prices is within `tolerance` (relative) of the master's
    /// value, which makes both the LP optimum. `start` are feasible assignments (a choice per group), so the master
    /// is feasible; nil without one, or when the master fails. Stops after `rounds` rounds, or before a round once
    /// `stop` says so (the stage's clock), with the best L so far, still a valid bound.
    func bound(start: [[Int]], rounds: Int, tolerance: Double, smoothing: Double = 0.5,
               stop: (_ best: Bound?) -> Bool = { _ in false }) -> Bound? {
        guard !start.isEmpty else { return nil }
        var rows: [(row: Int, sense: MasterLP.Sense, rhs: Double)] = []
        for r in 0..<linkingRows {
            if upper[r] < .infinity { rows.append((r, lower[r] == upper[r] ? .equal : .atMost, upper[r])) }
            if lower[r] > -.infinity, lower[r] != upper[r] { rows.append((r, .atLeast, lower[r])) }
        }
        let blocks = blockCount
        // Rows scaled to right-hand sides of ±1 and values to at most 1, for the tableau's sake; duals scaled back.
        let rowScale = rows.map { 1 / max(1, abs($0.rhs)) } + Array(repeating: 1.0, count: blocks)
        let valueScale = 1 / max(1, groups.reduce(0.0) { max($0, $1.values.reduce(0) { max($0, abs($1)) }) } * Double(groups.count) / Double(blocks))
        var master = MasterLP(senses: rows.map(\.sense) + Array(repeating: .equal, count: blocks),
                              rhs: zip(rows.map(\.rhs) + Array(repeating: 1, count: blocks), rowScale).map { $0 * $1 })
        var origin: [(block: Int, choices: [Int])] = []
        /// Adds each block's part of `choices` whose reduced value at `duals` is positive (all without duals).
        func add(_ choices: [Int], duals: [Double]?) {
            for (b, part) in blockProposals(choices).enumerated() {
                let column = rows.map { part.use[$0.row] } + (0..<blocks).map { $0 == b ? 1.0 : 0 }
                if let duals {
                    let reduced = part.value - zip(duals, column).reduce(0) { $0 + $1.0 * $1.1 }
                    if reduced <= 1e-9 * max(1, abs(part.value)) { continue }
                }
                master.add(cost: part.value * valueScale, column: zip(column, rowScale).map { $0 * $1 })
                origin.append((b, choices))
            }
        }
        for choices in start { add(choices, duals: nil) }
        var best: Bound?
        // The tableau's drift that sends the master to a fresh tableau; raised once a fresh one misses by more (a
        // cost stage's master at 10,000 servers: 2.2e-6 after a rebuild, where stopping there left its column
        // generation unconverged and the stage 0.7% dearer, docs/benchmark.md "Merged probes").
        var drift = 1e-7
        for round in 1...max(1, rounds) {
            if round > 1, stop(best) { break }
            guard master.solve() else { return best }
            if master.residual > drift {
                // The tableau drifted: solve again from scratch, and stop if that is not within 1e-5.
                master = master.rebuilt()
                guard master.solve(), master.residual <= 1e-5 else { return best }
                if master.residual > drift { drift = 1e-5 }
            }
            let z = master.objective / valueScale + constant
            let duals = zip(master.duals, rowScale).map { $0 * $1 / valueScale }
            var y = [Double](repeating: 0, count: linkingRows)
            for (i, row) in rows.enumerated() { y[row.row] += duals[i] }
            y = projected(y)
            // Wentges' smoothing: price between the best prices so far and the master's as well, which keeps the
            // prices from jumping between extreme points.
            var pricing = evaluate(y), at = y
            if let center = best?.prices, smoothing > 0 {
                let mixed = y.indices.map { smoothing * center[$0] + (1 - smoothing) * y[$0] }
                let trial = evaluate(mixed)
                add(trial.picks, duals: duals)
                if trial.value < pricing.value { pricing = trial; at = mixed }
            }
            if pricing.value < best?.value ?? .infinity {
                best = Bound(value: pricing.value, prices: at, picks: pricing.picks, master: z, rounds: round)
            }
            best?.master = z
            best?.rounds = round
            var mix = [[[Int]]](repeating: [], count: blocks)
            for (j, weight) in master.solution.suffix(origin.count).enumerated() where weight > 1e-9 {
                mix[origin[j].block].append(origin[j].choices)
            }
            best?.mix = mix
            if let b = best, b.value - z <= tolerance * max(1, abs(b.value)) { break }
            add(evaluate(y).picks, duals: duals)
        }
        return best
    }

    /// Blocks of servers in the master: each has its own convexity row, so the master mixes blocks' assignments
    /// independently (several blocks converge in far fewer rounds than one assignment of all servers).
    var blockCount: Int { (groups.map(\.block).max() ?? 0) + 1 }

    /// Each block's use of the linking rows and value at a choice per group.
    func blockProposals(_ choices: [Int]) -> [(use: [Double], value: Double)] {
        var out = Array(repeating: (use: [Double](repeating: 0, count: linkingRows), value: 0.0), count: blockCount)
        let t = choiceTable
        for (g, k) in choices.enumerated() where k >= 0 {
            let b = groups[g].block
            out[b].value += t.values[t.first[g] + k]
            t.add(t.first[g] + k, to: &out[b].use)
        }
        return out
    }

    /// Reduced-cost fixing: for each group, the choices (−1 nothing) that a point with objective at least `floor`
    /// (maximising form) can take. At prices `y` with `L(y) = value`, a group held to choice `k` bounds the stage by
    /// `value − (best reduced value − reduced value of k)` (its term of `L` drops to `k`'s), so a choice that brings
    /// that below `floor` is in no such point. Valid at any prices of the right signs; the closer `y` is to the LP's
    /// duals, the fewer choices survive.
    func viableChoices(at y: [Double], value: Double, floor: Double) -> [[Int]] {
        let slack = 1e-7 * max(1, abs(value))
        return groups.indices.map { g in
            let ranking = ranked(g, y)
            guard let top = ranking.first?.reduced else { return [] }
            return ranking.filter { value - (top - $0.reduced) >= floor - slack }.map(\.choice)
        }
    }

    /// `expression`'s value at choice `k` of group `g` (its columns at the choice's values; the idle column and the
    /// pinned columns not counted).
    func value(of expression: LinearExpression, group g: Int, choice k: Int) -> Double {
        Self.weigh(groups[g].settings[k]) { expression.terms[$0] ?? 0 }
    }

    /// The choice per group at a point of the model (−1 where the server takes nothing, or, with partial service,
    /// where it is at no choice; ``admit(_:)`` adds such a point).
    func choices(at point: [Double]) -> [Int] {
        groups.map { choice(of: $0, at: point) ?? -1 }
    }

    /// The choice `g` is at at `point` (−1 nothing), nil when none is.
    func choice(of g: Group, at point: [Double]) -> Int? {
        guard g.partial else { return g.columns.firstIndex { point[$0] > 0.5 } ?? -1 }
        if g.owned.allSatisfy({ abs(point[$0]) <= 1e-6 }) { return -1 }
        return g.settings.firstIndex { set in
            g.owned.allSatisfy { c in abs(point[c] - (set.first { $0.column == c }?.value ?? 0)) <= 1e-6 }
        }
    }

    /// A feasible rounding of the picks at prices `y`, as far as the upper bounds go: servers in order of their
    /// margin (best less second-best reduced value, largest first) take the best-ranked choice that still fits every
    /// row's upper bound. Returns the choice per group (−1 nothing), the groups that could not keep their pick, and
    /// each group's margin.
    func rounded(at y: [Double]) -> (choices: [Int], bumped: [Int], margins: [Double]) {
        let rankings = groups.indices.map { ranked($0, y) }
        let margin = rankings.map { r in r.count > 1 ? r[0].reduced - r[1].reduced : .infinity }
        let order = groups.indices.sorted { margin[$0] > margin[$1] || margin[$0] == margin[$1] && $0 < $1 }
        var use = [Double](repeating: 0, count: linkingRows)
        var choices = [Int](repeating: -1, count: groups.count)
        var bumped: [Int] = []
        for g in order {
            for (i, option) in rankings[g].enumerated() {
                let k = option.choice
                let fits = k < 0 || choiceTable.fits(choiceTable.first[g] + k, use, upper)
                if fits {
                    choices[g] = k
                    if k >= 0 { choiceTable.add(choiceTable.first[g] + k, to: &use) }
                    if i > 0 { bumped.append(g) }
                    break
                }
            }
        }
        return (choices, bumped, margin)
    }
}

extension ChoiceRelaxation {
    /// Every group's choices in flat arrays, group by group (choice `k` of group `g` at `first[g] + k`): value and
    /// linking-row coefficients, in the groups' order. The pricing passes (``evaluate(_:)``, ``ranked(_:_:)``) read
    /// every choice each round; over arrays of arrays of tuples, retaining and releasing a group's arrays cost more
    /// than the arithmetic (docs/benchmark.md, "Less work around CBC"). Sums run in the same order as over ``groups``.
    struct Choices {
        var first: [Int] = [0]
        var mayIdle: [Bool] = []
        var values: [Double] = []
        /// Choice `c`'s coefficients are `rowIndex[rowStart[c]..<rowStart[c + 1]]` and the same range of `coefficient`.
        var rowStart: [Int] = [0]
        var rowIndex: [Int] = []
        var coefficient: [Double] = []

        init() {}

        init(_ groups: [Group]) {
            for g in groups {
                mayIdle.append(g.mayIdle)
                for k in g.columns.indices {
                    values.append(g.values[k])
                    for (r, a) in g.rows[k] { rowIndex.append(r); coefficient.append(a) }
                    rowStart.append(rowIndex.count)
                }
                first.append(values.count)
            }
        }

        /// Choice `c`'s value less its use priced at `y`.
        func reduced(_ c: Int, _ y: [Double]) -> Double {
            var v = values[c]
            for e in rowStart[c]..<rowStart[c + 1] { v -= y[rowIndex[e]] * coefficient[e] }
            return v
        }

        /// Adds choice `c`'s use of the linking rows to `use`.
        func add(_ c: Int, to use: inout [Double]) {
            for e in rowStart[c]..<rowStart[c + 1] { use[rowIndex[e]] += coefficient[e] }
        }

        /// Whether choice `c` fits within `upper` on top of `use`.
        func fits(_ c: Int, _ use: [Double], _ upper: [Double]) -> Bool {
            (rowStart[c]..<rowStart[c + 1]).allSatisfy { e in use[rowIndex[e]] + coefficient[e] <= upper[rowIndex[e]] + 1e-9 }
        }
    }
}
