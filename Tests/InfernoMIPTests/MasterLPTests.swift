import Foundation
import Testing
@testable import InfernoMIP

/// ``MasterLP`` (the column generation's dense simplex) against CBC's LP on the same random problems, with columns
/// added between solves as the column generation adds them.
@Suite struct MasterLPTests {
    static func cbc(_ p: MIPProblem, _ s: CbcSettings) -> MIPResult { CbcSolver().solve(p, settings: s) }

    /// Random LP: `rows` ≤ rows with positive right-hand sides, `lowers` ≥ rows, one convexity row; column 0 is
    /// feasible on its own so that the problem is.
    struct Instance {
        var senses: [MasterLP.Sense]
        var rhs: [Double]
        var columns: [(cost: Double, entries: [Double])]
    }

    static func instance(_ rng: inout SplitMix64, rows: Int, lowers: Int, columns: Int) -> Instance {
        var senses: [MasterLP.Sense] = [], rhs: [Double] = []
        var first: [Double] = []
        for _ in 0..<rows { senses.append(.atMost); let a = Double(rng.next() % 20); first.append(a); rhs.append(a + Double(rng.next() % 10)) }
        for _ in 0..<lowers { senses.append(.atLeast); let a = Double(rng.next() % 20); first.append(a); rhs.append(max(0, a - Double(rng.next() % 10))) }
        senses.append(.equal); rhs.append(1); first.append(1)
        var cols = [(cost: Double(rng.next() % 50), entries: first)]
        for _ in 1..<columns {
            var e = (0..<(rows + lowers)).map { _ in Double(rng.next() % 40) - 5 }
            e.append(1)
            cols.append((Double(rng.next() % 100), e))
        }
        return Instance(senses: senses, rhs: rhs, columns: cols)
    }

    static func cbcOptimum(_ i: Instance, upTo n: Int) -> Double? {
        var m = LinearModel(sense: .maximize)
        let vars = (0..<n).map { m.continuous("l\($0)") }
        m.objective = LinearExpression(terms: Dictionary(uniqueKeysWithValues: (0..<n).map { (vars[$0].index, i.columns[$0].cost) }))
        for r in i.rhs.indices {
            let e = LinearExpression(terms: Dictionary(uniqueKeysWithValues: (0..<n).map { (vars[$0].index, i.columns[$0].entries[r]) }))
            switch i.senses[r] {
            case .atMost: m.add(e <= i.rhs[r], "r\(r)")
            case .atLeast: m.add(e >= i.rhs[r], "r\(r)")
            case .equal: m.add(e == i.rhs[r], "r\(r)")
            }
        }
        return m.reduced(start: nil, pinned: [:], relax: true)
            .solve(cbc, settings: CbcSettings(timeLimitSeconds: 10, relativeGap: 0)).objective
    }

    @Test func optimaMatchCBCAsColumnsAreAdded() throws {
        var rng = SplitMix64(seed: 11)
        for trial in 0..<40 {
            let i = Self.instance(&rng, rows: 3 + trial % 6, lowers: trial % 3, columns: 24)
            var master = MasterLP(senses: i.senses, rhs: i.rhs)
            var added = 0
            for batch in [4, 12, 24] {
                while added < batch { master.add(cost: i.columns[added].cost, column: i.columns[added].entries); added += 1 }
                let solved = master.solve()
                #expect(solved)
                let expected = try #require(Self.cbcOptimum(i, upTo: added))
                #expect(abs(master.objective - expected) <= 1e-6 * max(1, abs(expected)), "trial \(trial), \(added) columns")
                // The answer is feasible, and the duals price every column at most 0 (optimality).
                let lambda = master.solution.suffix(added)
                let duals = master.duals
                for r in i.rhs.indices {
                    let lhs = zip(lambda, i.columns.prefix(added)).reduce(0) { $0 + $1.0 * $1.1.entries[r] }
                    switch i.senses[r] {
                    case .atMost: #expect(lhs <= i.rhs[r] + 1e-6)
                    case .atLeast: #expect(lhs >= i.rhs[r] - 1e-6)
                    case .equal: #expect(abs(lhs - i.rhs[r]) <= 1e-6)
                    }
                }
                for c in i.columns.prefix(added) {
                    let reduced = c.cost - zip(duals, c.entries).reduce(0) { $0 + $1.0 * $1.1 }
                    #expect(reduced <= 1e-6 * max(1, abs(c.cost)), "trial \(trial)")
                }
            }
        }
    }
}
