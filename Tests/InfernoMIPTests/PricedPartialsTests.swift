import Foundation
import Testing
@testable import InfernoMIP

/// ``ChoiceRelaxation`` with partial service priced (the best-effort and cost stages of the priority policies), on
/// small random instances against CBC on the same model: its LP optimum, which the converged bound must equal, and
/// its MIP optimum, which every price must bound. Partial service makes a server's choices vertices of its part of the
/// LP (full service on a candidate, or partial service at its most replicas), and an answer may sit between them.
@Suite struct PricedPartialsTests {
    static let cbc: @Sendable (MIPProblem, CbcSettings) -> MIPResult = { CbcSolver().solve($0, settings: $1) }
    static let exact = CbcSettings(timeLimitSeconds: 20, relativeGap: 0)

    /// The formulation of a random instance (8 servers unless told) under `PriorityExhaustive`, with level 1's summed served
    /// fraction fixed half a server below its optimum (a best-effort row, with fractional coefficients), and the
    /// objective: level 2's summed served fraction, or the cost.
    static func formulation(seed: UInt64, cost: Bool, servers: Int = 8) throws -> AllocationFormulation {
        let p = problem(seed: seed, servers: servers)
        var f = AllocationFormulation(servers: p.servers, options: p.options, cards: p.cards(of:))
        let level = { (priority: Int) in p.servers.indices.filter { p.servers[$0].priority == priority } }
        let fraction1 = level(1).map { f.fraction($0) }.sum()
        f.model.objective = fraction1
        f.model.sense = .maximize
        let top = try #require(f.model.reduced(start: nil, pinned: [:]).solve(Self.cbc, settings: Self.exact).objective)
        f.model.add(fraction1 >= max(0, top - 0.5), "stage best effort p1")
        f.model.objective = cost ? f.value() : level(2).map { f.fraction($0) }.sum()
        f.model.sense = cost ? .minimize : .maximize
        return f
    }

    /// The random instance of ``formulation(seed:cost:servers:)``.
    static func problem(seed: UInt64, servers: Int = 8) -> OptimizationProblem {
        var options = OptimizerOptions()
        options.saturationPolicy = .priorityExhaustive
        return Instances.randomProblem(seed: seed, servers: servers, types: 2 + Int(seed % 2), priorities: 2,
                                       tightness: 0.8 + Double(seed % 4) * 0.3, options: options)
    }

    @Test(arguments: [false, true]) func boundIsTheLPOptimumAndBoundsTheMIP(cost: Bool) throws {
        var rng = SplitMix64(seed: 5)
        var between = 0
        for seed in UInt64(1)...30 {
            let f = try Self.formulation(seed: seed, cost: cost)
            // Without pricing partial service the structure is not a multiple-choice one.
            #expect(ChoiceRelaxation(f, pinned: [:]) == nil, "seed \(seed)")
            var relaxation = try #require(ChoiceRelaxation(f, pinned: [:], partials: true, block: { $0 % 2 }))
            #expect(relaxation.hasPartialChoices, "seed \(seed)")
            let sign = relaxation.sign
            let mip = f.model.reduced(start: nil, pinned: [:]).solve(Self.cbc, settings: Self.exact)
            let point = try #require(mip.values, "seed \(seed)")
            let optimum = sign * f.model.objective.value(point)
            // The MIP's answer as choices: where it serves part of a candidate's replicas, a choice at that point.
            let choices = relaxation.admit(point)
            for (g, group) in relaxation.groups.enumerated() {
                let set = choices[g] < 0 ? [] : group.settings[choices[g]]
                for c in group.owned {
                    #expect(abs(point[c] - (set.first { $0.column == c }?.value ?? 0)) <= 1e-6, "seed \(seed) group \(g)")
                }
                if choices[g] >= 0, set.count == 2, set[1].value < f.model.columns[set[1].column].upper { between += 1 }
            }
            #expect(abs(relaxation.proposal(choices).value + relaxation.constant - optimum) <= 1e-6 * max(1, abs(optimum)),
                    "seed \(seed)")
            let bound = try #require(relaxation.bound(start: [choices], rounds: 500, tolerance: 1e-9))
            let lp = try #require(f.model.reduced(start: nil, pinned: [:], relax: true).solve(Self.cbc, settings: Self.exact).objective)
            // Maximising form: L ≥ LP optimum ≥ MIP optimum; at convergence L is the LP optimum.
            #expect(abs(bound.value - sign * lp) <= 1e-6 * max(1, abs(lp)), "seed \(seed): L \(bound.value), LP \(sign * lp)")
            #expect(bound.value >= optimum - 1e-7 * max(1, abs(optimum)), "seed \(seed)")
            for _ in 0..<5 {
                let y = relaxation.projected((0..<relaxation.linkingRows).map { _ in rng.double(-50...50) })
                #expect(relaxation.evaluate(y).value >= optimum - 1e-7 * max(1, abs(optimum)), "seed \(seed)")
            }
        }
        // Some MIP answer served part of a candidate's replicas between none and its most: admitted, not a vertex.
        #expect(between > 0)
    }
}

extension PricedPartialsTests {
    /// Every integral point of `f`'s model (nothing, full service on a candidate, or partial service at any count
    /// per server) that satisfies its rows.
    static func forEachFeasible(_ f: AllocationFormulation, _ body: ([Double]) -> Void) {
        let options: [[[(Int, Double)]]] = f.servers.indices.map { s in
            var out: [[(Int, Double)]] = [[]]
            for c in f.choiceColumns(of: s)?.choices ?? [] { out.append([(c, 1)]) }
            for pair in f.partialPairs(of: s) {
                for q in 0...Int(pair.upper) { out.append([(pair.use, 1), (pair.count, Double(q))]) }
            }
            return out
        }
        ChoiceRelaxationTests.forEachFeasible(f, options: options, body)
    }

    /// A count probe's pins (``StagedSolve/pins(_:_:fixed:)``) never exclude a point that reaches its floor, partial
    /// service between none and its most included: on 4-server instances, every feasible point at or above a floor at
    /// or a little below the optimum agrees with every pin, at the converged prices and at random prices. And the pins
    /// exclude something (a pin set that pinned nothing would pass).
    @Test func probePinsKeepEveryPointAboveTheFloor() throws {
        var rng = SplitMix64(seed: 17)
        var pinnedColumns = 0
        for seed in UInt64(1)...30 {
            let f = try Self.formulation(seed: seed, cost: seed % 2 == 0, servers: 4)
            var relaxation = try #require(ChoiceRelaxation(f, pinned: [:], partials: true, block: { $0 % 2 }))
            let sign = relaxation.sign
            var points: [(point: [Double], score: Double)] = []
            Self.forEachFeasible(f) { points.append(($0, sign * f.model.objective.value($0))) }
            let best = try #require(points.max { $0.score < $1.score })
            let start = relaxation.admit(best.point)
            let converged = try #require(relaxation.bound(start: [start], rounds: 500, tolerance: 1e-9))
            let random = relaxation.projected((0..<relaxation.linkingRows).map { _ in rng.double(-20...20) })
            for (y, value) in [(converged.prices, converged.value), (random, relaxation.evaluate(random).value)] {
                for drop in [0.0, 0.1, 0.3, 1.0] {
                    let floor = best.score - drop * max(1, abs(best.score)) * 0.05
                    let viable = relaxation.viableChoices(at: y, value: value, floor: floor)
                    if viable.contains(where: \.isEmpty) { continue } // no point reaches the floor: nothing to pin
                    let pins = StagedSolve.pins(relaxation, viable, fixed: [:])
                    pinnedColumns += pins.count
                    for (p, score) in points where score >= floor {
                        for (c, v) in pins {
                            #expect(abs(p[c] - v) <= 1e-9, "seed \(seed) floor \(floor): column \(c) pinned to \(v), a point at \(score) has \(p[c])")
                        }
                    }
                }
            }
        }
        #expect(pinnedColumns > 0)
    }

    /// The merged search with partial service held (``StagedSolve/partialsHeldSearch``) on 30 random level-2 served
    /// stages below level 1's best-effort row (level 2's own partial service pinned to none, as a served stage pins
    /// it), started from the stage's worst answer (CBC minimising the count). Its answer satisfies every row of the
    /// stage and is at most the stage's best count (CBC's optimum over the stage), and it is CBC's optimum of the stage
    /// with every partial service held where the start has it, its exact target (these small merged models are solved
    /// within the search's node limit). It moves on most instances, many of whose starts serve part of a server.
    @Test func partialServiceHeldSearchReachesTheHeldOptimum() throws {
        var moved = 0, searched = 0, partiallyServed = 0
        for seed in UInt64(1)...30 {
            var f = try Self.formulation(seed: seed, cost: false)
            let level2 = f.servers.indices.filter { f.servers[$0].priority == 2 }
            let count = f.servedCount(level2)
            var fixed: [Int: Double] = [:]
            for s in level2 { for c in f.partialColumns(of: s) { fixed[c] = 0 } }
            f.model.objective = count
            f.model.sense = .minimize
            let worst = try #require(f.model.reduced(start: nil, pinned: fixed).solve(Self.cbc, settings: Self.exact)
                .values, "seed \(seed)")
            f.model.sense = .maximize
            let best = try #require(f.model.reduced(start: nil, pinned: fixed).solve(Self.cbc, settings: Self.exact)
                .objective, "seed \(seed)")
            let relaxation = try #require(ChoiceRelaxation(f, pinned: fixed, partials: true))
            guard relaxation.hasPartialChoices else { continue }
            // The held optimum: every partial pair at the start's values where the start serves part of a server,
            // at none elsewhere.
            var held = fixed, partly = false
            for g in relaxation.groups where g.partial {
                let part = g.partialColumns.contains { worst[$0] > 1e-6 }
                partly = partly || part
                for c in part ? g.owned + (g.idleColumn.map { [$0] } ?? []) : g.partialColumns {
                    held[c] = part ? worst[c] : 0
                }
            }
            let heldBest = try #require(f.model.reduced(start: nil, pinned: held).solve(Self.cbc, settings: Self.exact)
                .objective, "seed \(seed)")
            let d = MergedCompletionTests.driver(Self.problem(seed: seed), tuning: MIPTuning())
            var state = StageState(formulation: f, point: worst)
            d.partialsHeldSearch(relaxation, CountTarget(count: count, slack: 0), fixed: fixed,
                                 settings: Self.exact, budget: TimeBudget(clock: WallClock(), seconds: 20), &state)
            let point = try #require(state.point)
            #expect(f.model.violations(point).isEmpty, "seed \(seed): \(f.model.violations(point))")
            let reached = count.value(point)
            #expect(reached <= best + 1e-6, "seed \(seed): \(reached) above the stage's best \(best)")
            if state.steps.contains(where: { if case .partialsHeld = $0 { true } else { false } }) {
                searched += 1
                #expect(abs(reached - heldBest) < 1e-6, "seed \(seed): \(reached), held optimum \(heldBest)")
            }
            if reached > count.value(worst) + 0.5 { moved += 1 }
            if partly { partiallyServed += 1 }
        }
        #expect(searched > 20)
        #expect(moved > 10)
        // Starts that serve part of a server, whose held values the search must keep.
        #expect(partiallyServed > 10)
    }
}

