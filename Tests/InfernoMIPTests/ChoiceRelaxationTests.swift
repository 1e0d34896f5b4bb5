import Foundation
import Testing
@testable import InfernoMIP

/// ``ChoiceRelaxation``'s bound against independent truth on small random instances (policy `None`): every
/// assignment enumerated through the model's own rows, and CBC's LP of the same model.
@Suite struct ChoiceRelaxationTests {
    static let cbc: @Sendable (MIPProblem, CbcSettings) -> MIPResult = { CbcSolver().solve($0, settings: $1) }

    /// The formulation of a random 6-server instance, with a served-count stage row for level 1 fixed one below its
    /// best (so that a linking row with a lower bound is in), the objective `objective` and its sense.
    static func formulation(seed: UInt64, cost: Bool) -> (AllocationFormulation, best: [Double]) {
        let p = Instances.randomProblem(seed: seed, servers: 6, types: 2 + Int(seed % 2), priorities: 2,
                                        tightness: 0.5 + Double(seed % 5) * 0.2)
        var f = AllocationFormulation(servers: p.servers, options: p.options, cards: p.cards(of:))
        let level1 = f.servedCount(p.servers.indices.filter { p.servers[$0].priority == 1 })
        let best = Self.enumerate(f) { level1.value($0) }
        f.model.add(level1 >= max(0, level1.value(best.point) - 1), "stage served p1")
        f.model.objective = cost ? f.value() : f.servedCount(Array(p.servers.indices)) - 0.001 * f.value()
        f.model.sense = cost ? .minimize : .maximize
        return (f, Self.enumerate(f) { (cost ? -1 : 1) * f.model.objective.value($0) }.point)
    }

    /// Every assignment (a full-service choice or nothing per server) that satisfies the model: the one maximising
    /// `score`.
    static func enumerate(_ f: AllocationFormulation, score: ([Double]) -> Double) -> (point: [Double], score: Double) {
        var best: (point: [Double], score: Double) = ([], -.infinity)
        forEachFeasible(f) { p in if score(p) > best.score { best = (p, score(p)) } }
        return best
    }

    /// Calls `body` with every assignment that satisfies the model.
    static func forEachFeasible(_ f: AllocationFormulation, _ body: ([Double]) -> Void) {
        forEachFeasible(f, options: f.servers.indices.map { s in
            [[]] + (f.choiceColumns(of: s)?.choices ?? []).map { [($0, 1.0)] }
        }, body)
    }

    /// Calls `body` with every point that takes one of its `options` (column values; the others 0) per server and
    /// satisfies the model.
    static func forEachFeasible(_ f: AllocationFormulation, options: [[[(Int, Double)]]], _ body: ([Double]) -> Void) {
        var pick = [Int](repeating: 0, count: options.count)
        while true {
            var p = [Double](repeating: 0, count: f.model.columns.count)
            for (s, o) in options.enumerated() { for (c, v) in o[pick[s]] { p[c] = v } }
            f.refreshIdle(&p)
            if f.model.violations(p).isEmpty { body(p) }
            var s = 0
            while s < pick.count, pick[s] == options[s].count - 1 { pick[s] = 0; s += 1 }
            if s == pick.count { return }
            pick[s] += 1
        }
    }

    /// Reduced-cost fixing never excludes a choice of an assignment that reaches the floor: for a floor at or a little
    /// below the best assignment's objective, every enumerated assignment at or above it takes only viable choices,
    /// at the converged prices and at random prices of the right signs. And it excludes something: the test would
    /// pass with a `viableChoices` that kept everything, so the converged prices must exclude choices somewhere.
    @Test(arguments: [false, true]) func reducedCostFixingKeepsEveryAssignmentAboveTheFloor(cost: Bool) throws {
        var rng = SplitMix64(seed: 11)
        var excluded = 0
        for seed in UInt64(1)...40 {
            let (f, best) = Self.formulation(seed: seed, cost: cost)
            let relaxation = try #require(ChoiceRelaxation(f, pinned: [:], block: { $0 % 2 }))
            let sign = relaxation.sign
            let converged = try #require(relaxation.bound(start: [relaxation.choices(at: best)], rounds: 500,
                                                          tolerance: 1e-9))
            let random = relaxation.projected((0..<relaxation.linkingRows).map { _ in rng.double(-20...20) })
            let optimum = sign * f.model.objective.value(best)
            for (y, value) in [(converged.prices, converged.value), (random, relaxation.evaluate(random).value)] {
                for drop in [0.0, 0.5, 2.0] {
                    let floor = optimum - drop * max(1, abs(optimum)) * (cost ? 0.05 : 1)
                    let viable = relaxation.viableChoices(at: y, value: value, floor: floor)
                    excluded += viable.enumerated().filter { g, v in
                        v.count < relaxation.groups[g].columns.count + (relaxation.groups[g].mayIdle ? 1 : 0) }.count
                    Self.forEachFeasible(f) { p in
                        guard sign * f.model.objective.value(p) >= floor else { return }
                        for (g, k) in relaxation.choices(at: p).enumerated() {
                            #expect(viable[g].contains(k), "seed \(seed): choice \(k) of group \(g) excluded at floor \(floor)")
                        }
                    }
                }
            }
        }
        #expect(excluded > 0)
    }

    @Test(arguments: [false, true]) func boundIsTheLPOptimumAndAtLeastTheBestAssignment(cost: Bool) throws {
        var rng = SplitMix64(seed: 3)
        for seed in UInt64(1)...40 {
            let (f, best) = Self.formulation(seed: seed, cost: cost)
            let relaxation = try #require(ChoiceRelaxation(f, pinned: [:], block: { $0 % 2 }))
            let sign = relaxation.sign
            let bound = try #require(relaxation.bound(start: [relaxation.choices(at: best)], rounds: 500, tolerance: 1e-9))
            let optimum = sign * f.model.objective.value(best)
            let lp = try #require(f.model.reduced(start: nil, pinned: [:], relax: true)
                .solve(Self.cbc, settings: CbcSettings(timeLimitSeconds: 10, relativeGap: 0)).objective)
            // Maximising form: L ≥ LP optimum ≥ best assignment; at convergence L is the LP optimum.
            #expect(bound.value >= optimum - 1e-7 * max(1, abs(optimum)), "seed \(seed)")
            #expect(abs(bound.value - sign * lp) <= 1e-6 * max(1, abs(lp)), "seed \(seed): L \(bound.value), LP \(sign * lp)")
            // Any prices of the right signs bound the best assignment.
            for _ in 0..<5 {
                let y = relaxation.projected((0..<relaxation.linkingRows).map { _ in rng.double(-50...50) })
                #expect(relaxation.evaluate(y).value >= optimum - 1e-7 * max(1, abs(optimum)), "seed \(seed)")
            }
        }
    }

    @Test func roundingAtThePricesRespectsEveryUpperBound() throws {
        for seed in UInt64(1)...40 {
            let (f, best) = Self.formulation(seed: seed, cost: false)
            let relaxation = try #require(ChoiceRelaxation(f, pinned: [:]))
            let bound = try #require(relaxation.bound(start: [relaxation.choices(at: best)], rounds: 500, tolerance: 1e-9))
            let rounded = relaxation.rounded(at: bound.prices)
            let use = relaxation.proposal(rounded.choices).use
            for r in 0..<relaxation.linkingRows { #expect(use[r] <= relaxation.upper[r] + 1e-9, "seed \(seed) row \(r)") }
            var p = [Double](repeating: 0, count: f.model.columns.count)
            for (g, k) in rounded.choices.enumerated() where k >= 0 { p[relaxation.groups[g].columns[k]] = 1 }
            f.refreshIdle(&p)
            let capacity = f.model.constraints.filter { $0.name.hasPrefix("capacity") }
            for (name, c) in capacity { #expect(c.expression.value(p) <= c.upper + 1e-9, "seed \(seed): \(name)") }
        }
    }
}
