import Foundation
import Testing
@testable import InfernoMIP

/// `LinearModel` against values worked out by hand.
@Suite struct LinearModelTests {
    @Test func columnsKeepTheirKindAndBoundsAndABinaryIsAtMostOne() {
        var m = LinearModel(sense: .maximize)
        let b = m.variable("b", .binary, upper: 5)
        let n = m.integer("n", upTo: 7)
        let x = m.continuous("x", lower: -2, upper: 3)
        let indices: [Int] = [b.index, n.index, x.index], names: [String] = m.columns.map(\.name)
        let uppers: [Double] = m.columns.map(\.upper), lowers: [Double] = m.columns.map(\.lower)
        #expect(indices == [0, 1, 2] as [Int])
        #expect(names == ["b", "n", "x"] as [String])
        #expect(uppers == [1, 7, 3] as [Double])
        #expect(lowers == [0, 0, -2] as [Double])
        #expect(m.columns[1].kind == .integer)
    }

    @Test func valueOfAnExpression() {
        var m = LinearModel(sense: .minimize)
        let x = m.continuous("x"), y = m.continuous("y")
        // 2x + 3y - 1 at (1, 2) = 2 + 6 - 1 = 7.
        #expect(m.value(of: 2 * x + 3 * y - 1, at: [1, 2]) == 7)
    }

    @Test func violationsNameTheBrokenRowsBoundsAndIntegrality() {
        var m = LinearModel(sense: .maximize)
        let x = m.continuous("x", upper: 10), n = m.integer("n", upTo: 4)
        m.add(x + n <= 3, "sum")
        m.add(LinearExpression(x) == 2, "x is two")
        #expect(m.violations([2, 1]).isEmpty)
        // 2 + 2 = 4 > 3 breaks `sum` only.
        #expect(m.violations([2, 2]) == ["sum"])
        // n = 1.5: not integral; x = 11: out of bounds, and both rows broken.
        #expect(m.violations([11, 1.5]) == ["bounds of x", "integrality of n", "sum", "x is two"])
    }

    @Test func rowToleranceIsRelativeToTheRightHandSide() {
        var m = LinearModel(sense: .maximize)
        let x = m.continuous("x")
        m.add(LinearExpression(x) <= 1000, "cap")
        // Tolerance 1e-6 × 1000 = 1e-3.
        #expect(m.violations([1000.0005]).isEmpty)
        #expect(m.violations([1000.002]) == ["cap"])
    }

    /// max x + y s.t. x + 2y <= 4, 3x + y <= 6, x, y >= 0 integer. LP optimum at x + 2y = 4, 3x + y = 6:
    /// (1.6, 1.2), value 2.8. Integer points: (2, 0), (1, 1), (0, 2) reach 2; (2, 1) breaks 3x + y <= 6, (1, 2)
    /// breaks x + 2y <= 4; so the integer optimum is 2.
    static func twoRowModel() -> LinearModel {
        var m = LinearModel(sense: .maximize)
        let x = m.integer("x", upTo: 10), y = m.integer("y", upTo: 10)
        m.add(2 * y + x <= 4, "a")
        m.add(3 * x + y <= 6, "b")
        m.objective = x + y
        return m
    }

    static func cbc(_ p: MIPProblem, _ s: CbcSettings) -> MIPResult { CbcSolver().solve(p, settings: s) }

    @Test func solvedByCBCTheRelaxationAndTheMIPMatchTheHandOptima() throws {
        let m = Self.twoRowModel()
        let settings = CbcSettings(timeLimitSeconds: 10, relativeGap: 0)
        let lp = m.reduced(start: nil, pinned: [:], relax: true).solve(Self.cbc, settings: settings)
        #expect(abs(try #require(lp.objective) - 2.8) < 1e-6)
        let lpValues = try #require(lp.values)
        #expect(abs(lpValues[0] - 1.6) < 1e-6 && abs(lpValues[1] - 1.2) < 1e-6)
        let mip = m.reduced(start: nil, pinned: [:]).solve(Self.cbc, settings: settings)
        #expect(mip.status == .optimal)
        #expect(abs(try #require(mip.objective) - 2) < 1e-6)
        #expect(m.violations(try #require(mip.values)).isEmpty)
    }

    /// Pinning x = 1 leaves max y s.t. 2y <= 3, y <= 3: y = 1 (integer), objective 1 + 1 = 2, with the pinned
    /// column's share added back and its value in the answer.
    @Test func pinnedColumnsLeaveTheProblemAndComeBackInTheAnswer() throws {
        let m = Self.twoRowModel()
        let reduced = m.reduced(start: nil, pinned: [0: 1])
        #expect(reduced.kept == [1] as [Int])
        #expect(reduced.objectiveConstant == 1)
        #expect(m.reducedSize(pinned: [0: 1]) < m.reducedSize(pinned: [:]))
        let r = reduced.solve(Self.cbc, settings: CbcSettings(timeLimitSeconds: 10, relativeGap: 0))
        #expect(abs(try #require(r.objective) - 2) < 1e-6)
        let values: [Double] = try #require(r.values)
        #expect(values == [1, 1] as [Double])
    }

    /// Pinned values that alone break a row (x = 3, y = 0: 3x + y = 9 > 6) make the problem infeasible without
    /// calling the solver.
    @Test func pinsThatBreakARowAreInfeasibleWithoutASolve() {
        let m = Self.twoRowModel()
        #expect(m.reduced(start: nil, pinned: [0: 3, 1: 0]).violatedRows == ["b"])
        let r = m.reduced(start: nil, pinned: [0: 3, 1: 0]).solve({ _, _ in
            Issue.record("the solver must not be called")
            return MIPResult(status: .error("called"))
        }, settings: CbcSettings())
        #expect(r.status == .infeasible)
    }
}
