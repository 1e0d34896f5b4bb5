/// A small dense LP solved by the two-phase tableau simplex, to which columns can be added between solves: the
/// master problem of ``ChoiceRelaxation``'s column generation (a few dozen rows, a few hundred columns). Maximises
/// `Σ c_j·λ_j` subject to each row `Σ a_ij·λ_j` (≤, ≥ or =) `rhs_i` and `λ ≥ 0`. Bland's rule (the first improving
/// column, the first row among ties) so it cannot cycle; the rows' duals are read off the reduced costs of each
/// row's starting basic column.
struct MasterLP {
    enum Sense { case atMost, atLeast, equal }

    private let senses: [Sense]
    private let rhs0: [Double]
    /// Tableau `B⁻¹·A`, the basic values `B⁻¹·b`, and which column is basic in each row.
    private var tableau: Tableau
    private var values: [Double]
    private var basis: [Int]
    /// Per column: objective, and whether it is an artificial (only phase 1 may use it).
    private var costs: [Double] = []
    private var artificial: [Bool] = []
    /// Per row: the column whose original is the unit vector of that row (a slack or an artificial), so that
    /// `B⁻¹` is the tableau's columns of these.
    private var unit: [Int] = []
    private(set) var feasible = false
    private(set) var pivots = 0
    /// The smallest pivot element taken (the rows are scaled to right-hand sides of ±1). Pivots on elements down to
    /// 1e-9 left negative basic values on 2,000-server stages that a tableau rebuilt from the columns kept, and the
    /// stage fell back to CBC's LP (docs/benchmark.md, "Merged servers").
    private let epsilon = 1e-7

    var rowCount: Int { senses.count }

    init(senses: [Sense], rhs: [Double]) {
        self.senses = senses
        // A negative right-hand side is negated with its row, so every starting basic value is non-negative.
        rhs0 = rhs
        let rows = senses.count
        tableau = Tableau(rows: rows)
        values = rhs.map(abs)
        basis = Array(repeating: -1, count: rows)
        for i in 0..<rows {
            let flip: Double = rhs[i] < 0 ? -1 : 1
            let sense = flip < 0 ? (senses[i] == .atMost ? .atLeast : senses[i] == .atLeast ? .atMost : .equal) : senses[i]
            if sense != .equal {
                // Slack (≤) or surplus (≥) of the row as stated.
                let column = addRaw(cost: 0, entries: [i: (senses[i] == .atMost ? 1 : -1) * flip], artificial: false)
                if sense == .atMost { unit.append(column); basis[i] = column; continue }
            }
            let column = addRaw(cost: 0, entries: [i: 1], artificial: true)
            unit.append(column)
            basis[i] = column
        }
        // Rows were stated with their sign flipped where rhs < 0: the unit columns are of the flipped rows.
        flips = rhs.map { $0 < 0 ? -1 : 1 }
    }
    private var flips: [Double] = []

    /// The columns added with ``add(cost:column:)``, as stated: what ``residual`` checks the answer against.
    private(set) var added: [(cost: Double, column: [Double], index: Int)] = []

    /// Adds a column (entries of the rows as stated) with its objective coefficient; returns its index.
    @discardableResult
    mutating func add(cost: Double, column: [Double]) -> Int {
        added.append((cost, column, costs.count))
        // B⁻¹·a, with a's rows flipped as the tableau's are.
        var entries = [Double](repeating: 0, count: rowCount)
        for i in 0..<rowCount where column[i] != 0 {
            let a = column[i] * flips[i]
            for k in 0..<rowCount { entries[k] += tableau[k, unit[i]] * a }
        }
        costs.append(cost)
        artificial.append(false)
        tableau.append(entries)
        return costs.count - 1
    }

    private mutating func addRaw(cost: Double, entries: [Int: Double], artificial isArtificial: Bool) -> Int {
        costs.append(cost)
        artificial.append(isArtificial)
        tableau.append((0..<tableau.rows).map { entries[$0] ?? 0 })
        return costs.count - 1
    }

    /// The objective's reduced costs `c_j − c_B·B⁻¹·a_j` for `cost`.
    private func reducedCosts(_ cost: (Int) -> Double) -> [Double] {
        var d = (0..<costs.count).map(cost)
        for k in 0..<rowCount {
            let cb = cost(basis[k])
            if cb != 0 { tableau.subtract(cb, timesRow: k, from: &d) }
        }
        return d
    }

    /// Pivots until no column may improve `cost` (artificials may enter only when `phaseOne`). False when a column
    /// is unbounded (cannot happen with a convexity row) or the pivot limit is hit.
    private mutating func optimize(_ cost: (Int) -> Double, phaseOne: Bool, maxPivots: Int) -> Bool {
        let scale = max(1, (0..<costs.count).reduce(0.0) { max($0, abs(cost($1))) })
        var d = reducedCosts(cost)
        var steps = 0
        while steps < maxPivots {
            guard let entering = d.indices.first(where: { d[$0] > 1e-9 * scale && (phaseOne || !artificial[$0]) })
            else { return true }
            var leaving = -1, ratio = Double.infinity
            for k in 0..<rowCount {
                // A row whose basic artificial stayed at 0 after phase 1 blocks in either direction: the artificial
                // must stay 0.
                let a = tableau[k, entering]
                guard a > epsilon || !phaseOne && artificial[basis[k]] && abs(a) > epsilon else { continue }
                let r = max(0, values[k]) / abs(a)
                if r < ratio - 1e-12 || (r <= ratio + 1e-12 && leaving >= 0 && basis[k] < basis[leaving]) {
                    ratio = r; leaving = k
                }
            }
            guard leaving >= 0 else { return false }
            pivot(row: leaving, column: entering, &d)
            steps += 1
        }
        return false
    }

    private mutating func pivot(row: Int, column: Int, _ d: inout [Double]) {
        let p = tableau[row, column]
        tableau.divide(row: row, by: p)
        values[row] /= p
        for k in 0..<rowCount where k != row {
            let factor = tableau[k, column]
            if factor == 0 { continue }
            tableau.subtract(factor, timesRow: row, fromRow: k)
            values[k] -= factor * values[row]
            if values[k] < 0, values[k] > -1e-9 { values[k] = 0 }
        }
        let dc = d[column]
        if dc != 0 { tableau.subtract(dc, timesRow: row, from: &d) }
        basis[row] = column
        pivots += 1
    }

    /// Solves from the current basis: phase 1 while an artificial is positive, then the objective. Returns whether
    /// an optimum was reached (false: infeasible, or the pivot limit).
    mutating func solve(maxPivots: Int = 5000) -> Bool {
        let artificial = self.artificial, costs = self.costs
        if !feasible {
            _ = optimize({ artificial[$0] ? -1 : 0 }, phaseOne: true, maxPivots: maxPivots)
            let infeasibility = (0..<rowCount).reduce(0.0) { $0 + (artificial[basis[$1]] ? values[$1] : 0) }
            guard infeasibility <= 1e-7 * max(1, rhs0.reduce(0) { max($0, abs($1)) }) else { return false }
            feasible = true
        }
        return optimize({ artificial[$0] ? 0 : costs[$0] }, phaseOne: false, maxPivots: maxPivots)
    }

    /// The objective at the current basis.
    var objective: Double { (0..<rowCount).reduce(0.0) { $0 + (artificial[basis[$1]] ? 0 : costs[basis[$1]]) * values[$1] } }

    /// The rows' duals (`c_B·B⁻¹`, rows as stated): ≥ 0 on binding ≤ rows and ≤ 0 on binding ≥ rows at an optimum.
    var duals: [Double] {
        (0..<rowCount).map { i in
            var pi = 0.0
            for k in 0..<rowCount where !artificial[basis[k]] { pi += costs[basis[k]] * tableau[k, unit[i]] }
            return pi * flips[i]
        }
    }

    /// The largest violation of a row by the current answer, relative to the row's right-hand side, recomputed from
    /// the columns as stated: the tableau's drift over many pivots shows here.
    var residual: Double {
        var lhs = [Double](repeating: 0, count: rowCount)
        var worst = 0.0
        for (_, column, index) in added {
            guard let k = basis.firstIndex(of: index) else { continue }
            if values[k] < -1e-9 { worst = max(worst, -values[k]) }
            for i in 0..<rowCount { lhs[i] += values[k] * column[i] }
        }
        for i in 0..<rowCount {
            let excess = switch senses[i] {
            case .atMost: lhs[i] - rhs0[i]
            case .atLeast: rhs0[i] - lhs[i]
            case .equal: abs(lhs[i] - rhs0[i])
            }
            worst = max(worst, excess / max(1, abs(rhs0[i])))
        }
        return worst
    }

    /// The same problem with the same columns, on a fresh tableau (no accumulated rounding).
    func rebuilt() -> MasterLP {
        var m = MasterLP(senses: senses, rhs: rhs0)
        for (cost, column, _) in added { m.add(cost: cost, column: column) }
        return m
    }

    /// λ per column added with ``add(cost:column:)`` (0 for non-basic ones), in the order of all columns.
    var solution: [Double] {
        var out = [Double](repeating: 0, count: costs.count)
        for k in 0..<rowCount { out[basis[k]] = values[k] }
        return out
    }
}

/// ``MasterLP``'s tableau: one row-major buffer whose rows have room for `capacity` columns, doubled when full, so
/// that adding a column is an append per row and a pivot's row operations run over contiguous memory (an array per
/// row cost a uniqueness check and bounds checks per element; docs/benchmark.md, "Less work around CBC").
private struct Tableau {
    let rows: Int
    private(set) var columns = 0
    private var capacity = 0
    private var cells: [Double] = []

    init(rows: Int) { self.rows = rows }

    subscript(row: Int, column: Int) -> Double { cells[row * capacity + column] }

    /// Appends a column (one entry per row).
    mutating func append(_ entries: [Double]) {
        if columns == capacity { grow() }
        for k in 0..<rows { cells[k * capacity + columns] = entries[k] }
        columns += 1
    }

    private mutating func grow() {
        let wider = max(16, 2 * capacity)
        var moved = [Double](repeating: 0, count: rows * wider)
        for k in 0..<rows { for j in 0..<columns { moved[k * wider + j] = cells[k * capacity + j] } }
        cells = moved
        capacity = wider
    }

    /// Row `row` divided by `p`, entry by entry.
    mutating func divide(row: Int, by p: Double) {
        let base = row * capacity, n = columns
        cells.withUnsafeMutableBufferPointer { c in for j in 0..<n { c[base + j] /= p } }
    }

    /// Row `target` less `factor` times row `source`, entry by entry.
    mutating func subtract(_ factor: Double, timesRow source: Int, fromRow target: Int) {
        let from = source * capacity, to = target * capacity, n = columns
        cells.withUnsafeMutableBufferPointer { c in for j in 0..<n { c[to + j] -= factor * c[from + j] } }
    }

    /// `d` less `factor` times row `source`, entry by entry (`d` has an entry per column).
    func subtract(_ factor: Double, timesRow source: Int, from d: inout [Double]) {
        let from = source * capacity
        cells.withUnsafeBufferPointer { c in
            d.withUnsafeMutableBufferPointer { d in for j in 0..<d.count { d[j] -= factor * c[from + j] } }
        }
    }
}
