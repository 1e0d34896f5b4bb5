import Foundation
@testable import InfernoMIP
import Testing

/// Tests of the CBC wrapper against independent truth: brute force, dynamic programming,
/// hand-solved models.
@Suite struct CbcModelTests {
    // MARK: - Instances

    /// A tiny deterministic generator (Knuth's MMIX LCG), so instances are the same everywhere.
    struct LCG {
        var state: UInt64
        init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1 }
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        /// Uniform in `range` (modulo bias is irrelevant here).
        mutating func int(_ range: ClosedRange<Int>) -> Int {
            range.lowerBound + Int(next() % UInt64(range.count))
        }
    }

    struct Knapsack {
        var weights: [Int]
        var values: [Int]
        var capacity: Int

        static func random(items: Int, seed: UInt64) -> Knapsack {
            var rng = LCG(seed: seed)
            let weights = (0..<items).map { _ in rng.int(1...40) }
            let values = (0..<items).map { _ in rng.int(1...60) }
            return Knapsack(weights: weights, values: values, capacity: weights.reduce(0, +) / 2)
        }

        /// The optimum by enumerating all subsets.
        var bruteForceOptimum: Int {
            var best = 0
            for mask in 0..<(1 << weights.count) {
                var weight = 0, value = 0
                for i in weights.indices where mask & (1 << i) != 0 {
                    weight += weights[i]
                    value += values[i]
                }
                if weight <= capacity { best = max(best, value) }
            }
            return best
        }

        /// The 0/1 knapsack as a maximization MIP.
        var problem: MIPProblem {
            var p = MIPProblem(sense: .maximize)
            let x = weights.indices.map { p.addVariable(.binary("x\($0)", objective: Double(values[$0]))) }
            p.addRow("capacity", x.map { ($0, Double(weights[$0])) }, upper: Double(capacity))
            return p
        }
    }

    /// A random multi-dimensional 0/1 knapsack (maximize): `rows` constraints, each at half the
    /// row's total weight, values loosely correlated with weights. 400 x 30 cannot be proven
    /// optimal within seconds (the root gap alone is ~0.5%).
    static func multiKnapsack(columns: Int, rows: Int, seed: UInt64) -> MIPProblem {
        var rng = LCG(seed: seed)
        var p = MIPProblem(sense: .maximize)
        var weights = [[Double]](repeating: [], count: rows)
        for j in 0..<columns {
            let w = (0..<rows).map { _ in Double(rng.int(1...1000)) }
            for i in 0..<rows { weights[i].append(w[i]) }
            let mean = w.reduce(0, +) / Double(rows)
            p.addVariable(.binary("x\(j)", objective: (mean + Double(rng.int(0...500))).rounded(.down)))
        }
        for i in 0..<rows {
            let total = weights[i].reduce(0, +)
            p.addRow("r\(i)", weights[i].enumerated().map { ($0.offset, $0.element) }, upper: (total / 2).rounded(.down))
        }
        return p
    }

    /// A market split instance (Cornuéjols & Dawande): `rows` equalities `sum a_ij x_j = floor(sum_j a_ij / 2)`
    /// over 10(rows-1) binaries, a_ij in 0...99, zero objective. With 6 rows such instances almost
    /// surely have no solution, and branch and bound needs far more than a second to find one or
    /// to prove there is none.
    static func marketSplit(rows: Int, seed: UInt64) -> MIPProblem {
        var rng = LCG(seed: seed)
        let columns = 10 * (rows - 1)
        var p = MIPProblem(sense: .minimize)
        for j in 0..<columns { p.addVariable(.binary("x\(j)")) }
        for i in 0..<rows {
            let a = (0..<columns).map { _ in Double(rng.int(0...99)) }
            p.addRow("split\(i)", a.enumerated().map { ($0.offset, $0.element) },
                     equalTo: (a.reduce(0, +) / 2).rounded(.down))
        }
        return p
    }

    let solver = CbcSolver()

    /// Checks what every result with an incumbent must satisfy.
    func expectConsistent(_ result: MIPResult, _ problem: MIPProblem, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let values = result.values, let objective = result.objective else {
            Issue.record("no incumbent: \(result.status)", sourceLocation: sourceLocation)
            return
        }
        #expect(values.count == problem.variables.count, sourceLocation: sourceLocation)
        #expect(problem.violatedRows(values).isEmpty, sourceLocation: sourceLocation)
        #expect(problem.violatedVariables(values).isEmpty, sourceLocation: sourceLocation)
        #expect(abs(problem.evaluate(values) - objective) <= 1e-6 * max(1, abs(objective)), sourceLocation: sourceLocation)
    }

    // MARK: - Optimal solves

    @Test("0/1 knapsack: CBC's optimum equals the brute-force optimum", arguments: [1, 2, 3, 4] as [UInt64])
    func binaryKnapsackMatchesBruteForce(seed: UInt64) {
        let knapsack = Knapsack.random(items: 12, seed: seed)
        let problem = knapsack.problem
        let result = solver.solve(problem, settings: CbcSettings(timeLimitSeconds: 10, relativeGap: 0))
        #expect(result.status == .optimal)
        #expect(result.provenOptimal)
        #expect(result.objective == Double(knapsack.bruteForceOptimum))
        #expect((result.relativeGap ?? 1) < 1e-6)
        expectConsistent(result, problem)
    }

    @Test("Unbounded integer knapsack with a textbook optimum, checked by dynamic programming too")
    func integerKnapsack() throws {
        // W = 8, values 10 40 50 70, weights 1 3 4 5: the optimum 110 is 70 + 40 (weights 5 + 3).
        let values = [10, 40, 50, 70], weights = [1, 3, 4, 5], capacity = 8
        var best = [Int](repeating: 0, count: capacity + 1)
        for w in 1...capacity {
            for i in weights.indices where weights[i] <= w { best[w] = max(best[w], best[w - weights[i]] + values[i]) }
        }
        #expect(best[capacity] == 110)

        var p = MIPProblem(sense: .maximize)
        let x = values.indices.map { p.addVariable(name: "n\($0)", kind: .integer, objective: Double(values[$0])) }
        p.addRow("weight", x.map { ($0, Double(weights[$0])) }, upper: Double(capacity))
        let result = solver.solve(p)
        #expect(result.status == .optimal)
        #expect(result.objective == 110)
        let counts = try #require(result.values)
        #expect(counts == [0, 1, 0, 1])
        expectConsistent(result, p)
    }

    // MARK: - Infeasible, LP-only, unbounded

    @Test("Infeasible models: LP-infeasible and integer-infeasible")
    func infeasible() {
        var lpInfeasible = MIPProblem()
        let a = lpInfeasible.addVariable(.binary("a")), b = lpInfeasible.addVariable(.binary("b"))
        lpInfeasible.addRow("atLeastThree", [(a, 1), (b, 1)], lower: 3)
        let r1 = solver.solve(lpInfeasible)
        #expect(r1.status == .infeasible)
        #expect(r1.values == nil && r1.objective == nil && r1.bestBound == nil)

        // 2n = 1 has the LP solution n = 0.5 but no integer one.
        var integerInfeasible = MIPProblem()
        let n = integerInfeasible.addVariable(name: "n", kind: .integer, upper: 10, objective: 1)
        integerInfeasible.addRow("odd", [(n, 2)], equalTo: 1)
        #expect(solver.solve(integerInfeasible).status == .infeasible)
    }

    @Test("LP without integer columns: fractional optimum, minimize with >= and ==, unbounded, infeasible")
    func linearPrograms() throws {
        // max x + y s.t. 2x + y <= 4, x + 2y <= 4: optimum at x = y = 4/3, objective 8/3.
        var p = MIPProblem(sense: .maximize)
        let x = p.addVariable(name: "x", objective: 1), y = p.addVariable(name: "y", objective: 1)
        p.addRow("c1", [(x, 2), (y, 1)], upper: 4)
        p.addRow("c2", [(x, 1), (y, 2)], upper: 4)
        let r = solver.solve(p, settings: CbcSettings(timeLimitSeconds: 5))
        #expect(r.status == .optimal)
        #expect(abs(try #require(r.objective) - 8.0 / 3) < 1e-7)
        let v = try #require(r.values)
        #expect(abs(v[0] - 4.0 / 3) < 1e-7 && abs(v[1] - 4.0 / 3) < 1e-7)
        expectConsistent(r, p)

        // min 2x + 3y s.t. x + y >= 5, x - y == 1, y in [0, 10], x free: x = 3, y = 2, objective 12.
        var q = MIPProblem(sense: .minimize)
        let u = q.addVariable(name: "x", lower: -.infinity, upper: .infinity, objective: 2)
        let w = q.addVariable(name: "y", upper: 10, objective: 3)
        q.addRow("sum", [(u, 1), (w, 1)], lower: 5)
        q.addRow("diff", [(u, 1), (w, -1)], equalTo: 1)
        let rq = solver.solve(q)
        #expect(rq.status == .optimal)
        #expect(abs(try #require(rq.objective) - 12) < 1e-7)
        expectConsistent(rq, q)

        // max x with x >= 0 unbounded above and no rows limiting it.
        var unbounded = MIPProblem(sense: .maximize)
        let z = unbounded.addVariable(name: "z", objective: 1)
        unbounded.addRow("free", [(z, 1)], lower: 1)
        #expect(solver.solve(unbounded).status == .unbounded)

        var infeasible = MIPProblem()
        let s = infeasible.addVariable(name: "s", upper: 1)
        infeasible.addRow("tooMuch", [(s, 1)], lower: 2)
        #expect(solver.solve(infeasible).status == .infeasible)
    }

    @Test("Unbounded MIP")
    func unboundedMIP() {
        var p = MIPProblem(sense: .maximize)
        let n = p.addVariable(name: "n", kind: .integer, objective: 1)
        let m = p.addVariable(name: "m", kind: .integer, objective: 1)
        p.addRow("difference", [(n, 1), (m, -1)], upper: 3)
        #expect(solver.solve(p).status == .unbounded)
    }

    @Test("A column repeated in a row counts with the summed coefficient")
    func duplicateTerms() throws {
        // max x s.t. x + x <= 1: x = 0.5.
        var p = MIPProblem(sense: .maximize)
        let x = p.addVariable(name: "x", objective: 1)
        p.addRow("twice", [(x, 1), (x, 1)], upper: 1)
        let r = solver.solve(p)
        #expect(r.status == .optimal)
        #expect(abs(try #require(r.objective) - 0.5) < 1e-9)
    }

    // MARK: - Limits

    @Test("Time limit on a hard multi-dimensional knapsack: an incumbent with a gap, in about the limit")
    func timeLimitGivesFeasible() throws {
        let problem = Self.multiKnapsack(columns: 400, rows: 30, seed: 7)
        let started = Date()
        let r = solver.solve(problem, settings: CbcSettings(timeLimitSeconds: 0.5, relativeGap: 0))
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(r.seconds < 3)
        #expect(r.status == .feasible)
        #expect(!r.provenOptimal)
        let objective = try #require(r.objective), bound = try #require(r.bestBound)
        #expect(bound > objective)  // maximizing: the bound is an upper bound
        #expect(try #require(r.relativeGap) > 0)
        expectConsistent(r, problem)
    }

    @Test("Time limit before any solution: market split has none within 0.3 s")
    func timeLimitWithoutIncumbent() {
        let r = solver.solve(Self.marketSplit(rows: 6, seed: 11), settings: CbcSettings(timeLimitSeconds: 0.3))
        #expect(r.status == .noSolutionWithinLimit)
        #expect(r.values == nil && r.objective == nil && r.relativeGap == nil)
        #expect(r.seconds < 3)
    }

    @Test("A limit that expires in preprocessing is not mistaken for infeasibility")
    func limitDuringPreprocessingIsNotInfeasible() {
        // Measured: with 0.01 s CBC stops in preprocessing on this instance and claims "infeasible".
        let r = solver.solve(Self.multiKnapsack(columns: 400, rows: 30, seed: 7),
                             settings: CbcSettings(timeLimitSeconds: 0.01))
        #expect(r.status == .noSolutionWithinLimit || r.status == .feasible)
    }

    @Test("Gap tolerance: a stop on the gap is reported as feasible, not optimal")
    func gapStopIsFeasible() throws {
        let problem = Self.multiKnapsack(columns: 400, rows: 30, seed: 7)
        let r = solver.solve(problem, settings: CbcSettings(timeLimitSeconds: 5, relativeGap: 0.02))
        #expect(r.status == .feasible)
        let gap = try #require(r.relativeGap)
        #expect(gap > 0 && gap <= 0.02 + 1e-9)
        expectConsistent(r, problem)
    }

    @Test("Status mapping of CBC's raw reports (synthetic outcomes, as measured with CBC 2.10.8)")
    func statusMapping() {
        var p = MIPProblem(sense: .maximize)
        let x = p.addVariable(name: "x", kind: .integer, upper: 10, objective: 1)
        p.addRow("cap", [(x, 1)], upper: 7)
        func outcome(_ status: Int32, _ secondary: Int32, optimal: Bool = false, infeasible: Bool = false,
                     objective: Double = -1e50, bound: Double = 8, incumbent: [Double]? = nil,
                     seconds: Double = 0.1) -> CbcModel.Outcome {
            CbcModel.Outcome(status: status, secondaryStatus: secondary, isProvenOptimal: optimal,
                             isProvenInfeasible: infeasible, isContinuousUnbounded: false, isAbandoned: false,
                             objective: objective, bestPossible: bound, incumbent: incumbent, seconds: seconds)
        }
        let limited = CbcSettings(timeLimitSeconds: 0.05)
        // Stopped on the gap: CBC says "proven optimal", it is not.
        let gapStop = CbcSolver.result(of: outcome(0, 2, optimal: true, objective: 6, incumbent: [6.0000001]),
                                       for: p, settings: limited)
        #expect(gapStop.status == .feasible && gapStop.values == [6] && gapStop.relativeGap == 2.0 / 6)
        // Search completed.
        #expect(CbcSolver.result(of: outcome(0, 0, optimal: true, objective: 7, bound: 7, incumbent: [7]),
                                 for: p, settings: limited).status == .optimal)
        // Relaxation worse than the incumbent's cutoff: proven, and the stale root bound is not reported.
        let cutoff = CbcSolver.result(of: outcome(0, 1, optimal: true, objective: 7, bound: 8, incumbent: [7]),
                                      for: p, settings: limited)
        #expect(cutoff.status == .optimal && cutoff.bestBound == 7 && cutoff.relativeGap == 0)
        // "Infeasible" from preprocessing after the limit ran out: unknown, not infeasible.
        let early = CbcSolver.result(of: outcome(0, 1, infeasible: true, seconds: 0.06), for: p, settings: limited)
        #expect(early.status == .noSolutionWithinLimit)
        // Infeasible within the limit, or without one: infeasible.
        #expect(CbcSolver.result(of: outcome(0, 1, infeasible: true, seconds: 0.01), for: p, settings: limited).status
                    == .infeasible)
        #expect(CbcSolver.result(of: outcome(0, 1, infeasible: true, seconds: 9), for: p, settings: CbcSettings()).status
                    == .infeasible)
        // Time limit without incumbent; with a complete feasible start, the start.
        #expect(CbcSolver.result(of: outcome(1, 4), for: p, settings: limited).status == .noSolutionWithinLimit)
        var started = p
        started.start = [x: 5]
        let fromStart = CbcSolver.result(of: outcome(1, 4), for: started, settings: limited)
        #expect(fromStart.status == .feasible && fromStart.values == [5] && fromStart.objective == 5)
        // An unproven incumbent worse than the start gives way to the start; a better one stays.
        #expect(CbcSolver.result(of: outcome(1, 4, objective: 3, incumbent: [3]), for: started, settings: limited).values
                    == [5])
        #expect(CbcSolver.result(of: outcome(1, 4, objective: 6, incumbent: [6]), for: started, settings: limited).values
                    == [6])
        // An infeasible start is never returned.
        started.start = [x: 9]
        #expect(CbcSolver.result(of: outcome(1, 4), for: started, settings: limited).status == .noSolutionWithinLimit)
    }

    // MARK: - MIP start

    @Test("MIP start: the optimum as start gives the same optimum; a feasible start survives any limit")
    func mipStart() throws {
        let knapsack = Knapsack.random(items: 12, seed: 5)
        var problem = knapsack.problem
        let first = solver.solve(problem)
        let optimum = try #require(first.values)
        #expect(problem.isFeasible(optimum))
        problem.start = Dictionary(uniqueKeysWithValues: optimum.enumerated().map { ($0.offset, $0.element) })
        let second = solver.solve(problem)
        #expect(second.status == .optimal)
        #expect(second.objective == Double(knapsack.bruteForceOptimum))

        // On the hard instance, a start found by one solve survives a second solve stopped at once.
        var hard = Self.multiKnapsack(columns: 400, rows: 30, seed: 7)
        let found = solver.solve(hard, settings: CbcSettings(timeLimitSeconds: 0.3))
        let incumbent = try #require(found.values), value = try #require(found.objective)
        hard.start = Dictionary(uniqueKeysWithValues: incumbent.enumerated().map { ($0.offset, $0.element) })
        for limit in [0.0, 0.01, 0.05] {
            // With 0 and 0.01 s, CBC may stop in preprocessing, before it applies the start, and
            // then the wrapper returns the start itself.
            let restarted = solver.solve(hard, settings: CbcSettings(timeLimitSeconds: limit))
            #expect(restarted.status == .feasible)
            #expect(try #require(restarted.objective) >= value - 1e-6)
            expectConsistent(restarted, hard)
        }
        // A start that is not feasible is not returned.
        var wrong = hard
        wrong.start = Dictionary(uniqueKeysWithValues: (0..<400).map { ($0, 1.0) })
        #expect(solver.solve(wrong, settings: CbcSettings(timeLimitSeconds: 0)).status != .feasible)
    }

    // MARK: - Concurrency and validation

    @Test("Eight concurrent solves each return their own brute-force optimum")
    func concurrentSolves() async {
        let knapsacks = (0..<8).map { Knapsack.random(items: 12, seed: 100 + UInt64($0)) }
        let solver = self.solver
        let objectives = await withTaskGroup(of: (Int, Double?).self) { group in
            for (i, knapsack) in knapsacks.enumerated() {
                group.addTask { (i, solver.solve(knapsack.problem).objective) }
            }
            var objectives = [Double?](repeating: nil, count: knapsacks.count)
            for await (i, objective) in group { objectives[i] = objective }
            return objectives
        }
        #expect(objectives == knapsacks.map { Double($0.bruteForceOptimum) })
    }

    @Test("Malformed problems are rejected before CBC sees them")
    func validation() {
        var p = MIPProblem()
        let x = p.addVariable(.binary("x"))
        p.addRow("bad", [(x, 1), (5, 1)], upper: 1)
        guard case .error(let message) = solver.solve(p).status else {
            Issue.record("expected an error")
            return
        }
        #expect(message.contains("bad"))

        var q = MIPProblem()
        q.addVariable(.binary("x"))
        q.start = [3: 1]
        #expect(solver.solve(q).status == .error("MIP start: column index 3 out of range 0..<1"))
        #expect(solver.solve(MIPProblem(variables: [.binary("y")]), settings: CbcSettings(timeLimitSeconds: -1)).status
                    == .error("time limit -1.0 s"))
        var r = MIPProblem()
        let y = r.addVariable(name: "y")
        r.addRow("nan", [(y, .nan)], upper: 1)
        #expect(solver.solve(r).status == .error("row nan: coefficient nan"))

        // Finite crossed bounds are a model, not a mistake: infeasible.
        var crossed = MIPProblem()
        crossed.addVariable(name: "c", kind: .integer, lower: 3, upper: 2)
        #expect(solver.solve(crossed).status == .infeasible)
    }

    @Test("Problem helpers: evaluate, violated rows and variables")
    func helpers() {
        var p = MIPProblem(sense: .maximize)
        let x = p.addVariable(name: "x", kind: .integer, upper: 3, objective: 2)
        let y = p.addVariable(name: "y", objective: -1)
        p.addRow("cap", [(x, 1), (y, 1)], upper: 4)
        p.addRow("floor", [(y, 1)], lower: 1)
        #expect(p.evaluate([3, 1]) == 5)
        #expect(p.isFeasible([3, 1]))
        #expect(p.violatedRows([3, 2]) == ["cap"])
        #expect(p.violatedRows([1, 0]) == ["floor"])
        #expect(p.violatedVariables([2.5, 1]) == ["x"])
        #expect(p.violatedVariables([4, 0]) == ["x"])
        #expect(!p.isFeasible([4, 0]))
    }

    @Test("Column-major matrix: column order, row order within columns, merged duplicates, dropped zeros")
    func columnMajorMatrix() {
        // Column 1 has no entries; column 2 appears twice in row 0; row 1 has a zero coefficient.
        let rows = [
            LinearRow(name: "r0", columns: [2, 0, 2], coefficients: [1, 5, 2]),
            LinearRow(name: "r1", columns: [3, 0, 2], coefficients: [7, 0, 4]),
            LinearRow(name: "r2", columns: [0], coefficients: [6]),
        ]
        let m = ColumnMajorMatrix(columnCount: 4, rows: rows)
        #expect(m.starts == [0, 2, 2, 4, 5])
        #expect(m.rowIndices == [0, 2, 0, 1, 1])
        #expect(m.values == [5, 6, 3, 4, 7])
    }
}
