import Foundation
import Testing
@testable import InfernoMIP

/// ``MergedCounts`` against independent truth on small instances with twin servers (the same candidates and
/// priority under another name, with or without a current allocation): every assignment enumerated through the
/// stage model's own rows, and brute force over the allocations.
@Suite struct MergedCountsTests {
    /// A random instance of 4 servers and up to 3 twins of them (policy `None`).
    static func twins(seed: UInt64, options: OptimizerOptions = OptimizerOptions()) -> OptimizationProblem {
        let base = Instances.randomProblem(seed: seed, servers: 4, types: 2 + Int(seed % 2), priorities: 2,
                                           tightness: 0.5 + Double(seed % 4) * 0.2, options: options)
        var rng = SplitMix64(seed: seed &* 31)
        var servers = base.servers
        for t in 0..<rng.int(1...3) {
            var twin = base.servers[rng.int(0...(base.servers.count - 1))]
            twin.server.name += "-twin\(t)"
            if rng.chance(0.5) { twin.server.current = nil }
            servers.append(twin)
        }
        return OptimizationProblem(servers: servers, capacity: base.capacity, options: options)
    }

    /// The served stage of every server, tie-broken by value, with level 1's count fixed one below its best (a
    /// linking row with a lower bound, as a stage after the first has).
    static func stage(_ p: OptimizationProblem) -> (AllocationFormulation, count: LinearExpression) {
        var f = AllocationFormulation(servers: p.servers, options: p.options, cards: p.cards(of:))
        let level1 = f.servedCount(p.servers.indices.filter { p.servers[$0].priority == 1 })
        let best = ChoiceRelaxationTests.enumerate(f) { level1.value($0) }
        f.model.add(level1 >= max(0, level1.value(best.point) - 1), "stage served p1")
        let count = f.servedCount(Array(p.servers.indices))
        f.model.objective = count - 0.001 * f.value()
        f.model.sense = .maximize
        return (f, count)
    }

    /// The point of the model at a choice per group.
    static func point(_ f: AllocationFormulation, _ relaxation: ChoiceRelaxation, _ choices: [Int]) -> [Double] {
        var p = [Double](repeating: 0, count: f.model.columns.count)
        for (g, k) in choices.enumerated() where k >= 0 { p[relaxation.groups[g].columns[k]] = 1 }
        f.refreshIdle(&p)
        return p
    }

    /// CBC's optimum of the merged model is the best count of every assignment, and its answer splits into an
    /// assignment that satisfies every row of the stage and serves that many. Twins merge: fewer kinds than servers.
    @Test func mergedOptimumIsTheBestCountAndSplitsIntoAFeasibleAssignment() throws {
        var kinds = 0, groups = 0
        for seed in UInt64(1)...40 {
            let (f, count) = Self.stage(Self.twins(seed: seed))
            let truth = ChoiceRelaxationTests.enumerate(f) { count.value($0) }.score
            let relaxation = try #require(ChoiceRelaxation(f, pinned: [:]))
            let merged = MergedCounts(relaxation, count: count)
            kinds += merged.kinds.count
            groups += relaxation.groups.count
            let result = CbcSolver().solve(merged.problem(start: nil),
                                           settings: CbcSettings(timeLimitSeconds: 10, relativeGap: 0))
            #expect(result.status == .optimal, "seed \(seed)")
            #expect(abs((result.objective ?? -1) - truth) < 1e-6,
                    "seed \(seed): merged \(result.objective ?? -1), best \(truth)")
            let values = try #require(result.values)
            let none = [Int](repeating: -1, count: relaxation.groups.count)
            let choices = merged.split(values, current: none) { g, k in relaxation.groups[g].values[k] }
            let p = Self.point(f, relaxation, choices)
            #expect(f.model.violations(p).isEmpty, "seed \(seed): \(f.model.violations(p))")
            #expect(abs(count.value(p) - truth) < 1e-6, "seed \(seed)")
        }
        #expect(kinds < groups)
    }

    /// From a start, as the solver searches it (the start its worst feasible assignment, `increment` 0.5): CBC's
    /// answer is still the best count. Maximising a fractional cost from a start, CBC 2.10.8 returned the start as
    /// optimal where a better answer existed (``MergedCostTests``); the integral count is checked here.
    @Test func mergedOptimumFromTheWorstStartIsTheBestCount() throws {
        for seed in UInt64(1)...40 {
            let (f, count) = Self.stage(Self.twins(seed: seed))
            let truth = ChoiceRelaxationTests.enumerate(f) { count.value($0) }.score
            let worst = ChoiceRelaxationTests.enumerate(f) { -count.value($0) }.point
            let relaxation = try #require(ChoiceRelaxation(f, pinned: [:]))
            let merged = MergedCounts(relaxation, count: count)
            var settings = CbcSettings(timeLimitSeconds: 10, relativeGap: 0)
            settings.parameters = ["increment": "0.5"]
            let result = CbcSolver().solve(merged.problem(start: relaxation.choices(at: worst)), settings: settings)
            #expect(abs((result.objective ?? -1) - truth) < 1e-6,
                    "seed \(seed): merged \(result.objective ?? -1), best \(truth), worst \(count.value(worst))")
        }
    }

    /// Split at an assignment's own counts gives every server a choice alike to its own (the same rows and count):
    /// each keeps it, so the split moves nobody, whatever order the counts come in.
    @Test func splitAtAnAssignmentsOwnCountsMovesNobody() throws {
        for seed in UInt64(1)...20 {
            let (f, count) = Self.stage(Self.twins(seed: seed))
            let relaxation = try #require(ChoiceRelaxation(f, pinned: [:]))
            let merged = MergedCounts(relaxation, count: count)
            ChoiceRelaxationTests.forEachFeasible(f) { p in
                let own = relaxation.choices(at: p)
                let split = merged.split(merged.merged(own), current: own) { g, k in relaxation.groups[g].values[k] }
                #expect(merged.merged(split) == merged.merged(own), "seed \(seed)")
                for (g, group) in relaxation.groups.enumerated() {
                    guard own[g] >= 0, split[g] >= 0 else {
                        #expect(own[g] == split[g], "seed \(seed) group \(g)")
                        continue
                    }
                    let rows = { (k: Int) in group.rows[k].map { "\($0.row):\($0.coefficient)" }.sorted() }
                    #expect(rows(split[g]) == rows(own[g]), "seed \(seed) group \(g)")
                }
            }
        }
    }

    /// The solver, whose served stages search the merged model, against brute force on instances with twins.
    @Test func solverWithTwinsIsLexicographicallyOptimal() {
        var searched = 0
        for seed in UInt64(1)...60 {
            let problem = Self.twins(seed: seed * 7919, options: MIPSolverTests.exact)
            let truth = BruteForce.best(problem)
            let mip = MIPSolver().solve(problem)
            let key = BruteForce.key(problem, MIPSolverTests.placements(mip))
            #expect(key.compare(truth.key, levels: problem.priorityLevels).order == 0,
                    "seed \(seed): MIP \(key) vs best \(truth.key)")
            MIPSolverTests.checkCapacityAndCandidates(problem, mip)
            searched += (mip.diagnostics.mip?.stages ?? []).filter { st in
                st.record.contains { if case .merged = $0 { true } else { false } } }.count
        }
        #expect(searched > 0)
    }
}
