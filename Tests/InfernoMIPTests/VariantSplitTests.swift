import Testing
@testable import InfernoMIP

/// One model on several variants (``Server/variants``): the MIP's split against brute-force enumeration of every
/// replica mix, the unlimited solver's cheapest mix against the same enumeration, and greedy's cost-aware rule
/// against hand-worked outcomes.
@Suite struct VariantSplitTests {
    /// A model needing `rate` requests/s; H100 replicas carry 2.0/s at 100, L40S 0.5/s at 15 (one card each).
    func model(rate: Double, bounds: [VariantBounds], minReplicas: Int = 0,
               rates: [String: Double] = ["H100": 2.0, "L40S": 0.5], costs: [String: Double] = ["H100": 100, "L40S": 15]) -> ServerCandidates {
        let candidates = bounds.map { b in
            Candidate(accelerator: b.accelerator, acceleratorType: b.accelerator, unitsPerReplica: 1, batchLimit: 32,
                      ratePerReplica: rates[b.accelerator]!, replicasNeeded: max(minReplicas, Int((rate / rates[b.accelerator]! - 1e-9).rounded(.up))),
                      costPerReplica: costs[b.accelerator]!)
        }
        let server = Server(name: "ns/llama@model", serviceClass: "Premium", model: "llama",
                            load: Load(arrivalRatePerMinute: rate * 60, meanInputTokens: 500, meanOutputTokens: 300),
                            minReplicas: minReplicas, variants: bounds)
        return ServerCandidates(server: server, priority: 1, candidates: candidates.sorted { $0.accelerator < $1.accelerator },
                                requiredRatePerSecond: rate)
    }

    /// Every mix within bounds and capacity that carries the rate; the one with the lowest value (cost, 1.1 × for a
    /// variant at zero now), ties to fewer replicas. `nil` when none does.
    func bruteForce(_ sc: ServerCandidates, cards: [String: Int]) -> (value: Double, counts: [String: Int])? {
        let cs = sc.candidates
        var best: (value: Double, total: Int, counts: [String: Int])?
        func go(_ k: Int, _ counts: [String: Int]) {
            if k == cs.count {
                let covered = cs.reduce(0.0) { $0 + Double(counts[$1.accelerator]!) * $1.ratePerReplica }
                let total = counts.values.reduce(0, +)
                guard covered >= sc.requiredRatePerSecond - 1e-9, total >= sc.server.minReplicas else { return }
                let value = cs.reduce(0.0) { $0 + Double(counts[$1.accelerator]!) * sc.server.variant(on: $1.accelerator)!.valuePerReplica(costPerReplica: $1.costPerReplica) }
                if best == nil || (value, total) < (best!.value - 1e-9, best!.total) { best = (value, total, counts) }
                return
            }
            let b = sc.server.variant(on: cs[k].accelerator)!
            for n in b.minReplicas...min(b.maxReplicas ?? 60, cards[cs[k].acceleratorType] ?? 0, 60) {
                var c = counts; c[cs[k].accelerator] = n; go(k + 1, c)
            }
        }
        go(0, [:])
        return best.map { ($0.value, $0.counts) }
    }

    func counts(_ s: Solution) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: (s.servers.first?.placements ?? []).map { ($0.accelerator, $0.replicas) })
    }

    func value(_ sc: ServerCandidates, _ counts: [String: Int]) -> Double {
        sc.candidates.reduce(0.0) { $0 + Double(counts[$1.accelerator] ?? 0) * sc.server.variant(on: $1.accelerator)!.valuePerReplica(costPerReplica: $1.costPerReplica) }
    }

    /// Rates, bounds and capacities where the cheapest mix is a true mix, one type, or capped: the MIP's cost
    /// stage reaches the enumerated optimum, within bounds and capacity, and reports the model served.
    @Test(arguments: [
        (9.0, 0, 0, nil as Int?, 16, 16), (9.0, 1, 2, nil, 16, 16), (9.0, 0, 0, nil, 16, 8), (3.2, 1, 0, 3, 4, 16),
        (30.0, 0, 1, nil, 16, 16), (0.0, 1, 1, nil, 16, 16), (7.7, 0, 0, 4, 16, 5),
    ])
    func mipMatchesEnumeration(rate: Double, currentH: Int, currentL: Int, maxL: Int?, cardsH: Int, cardsL: Int) {
        let sc = model(rate: rate, bounds: [VariantBounds(accelerator: "H100", currentReplicas: currentH),
                                             VariantBounds(accelerator: "L40S", currentReplicas: currentL, minReplicas: rate > 0 ? 0 : 1, maxReplicas: maxL)])
        let cards = ["H100": cardsH, "L40S": cardsL]
        let problem = OptimizationProblem(servers: [sc], capacity: Capacity(cards),
                                          options: OptimizerOptions(saturationPolicy: .priorityExhaustive))
        let expected = bruteForce(sc, cards: cards)
        let mip = MIPSolver().solve(problem)
        let got = counts(mip)
        #expect(expected != nil)
        if let expected {
            #expect(abs(value(sc, got) - expected.value) < 1e-6, "MIP \(got) vs optimum \(expected.counts)")
            #expect(mip.servers[0].status.isFullyServed)
        }
        #expect((got["L40S"] ?? 0) <= min(maxL ?? Int.max, cardsL) && (got["H100"] ?? 0) <= cardsH)
        if rate == 0 { #expect((got["L40S"] ?? 0) >= 1) }   // the variant's minReplicas
        var unlimitedProblem = problem
        unlimitedProblem.options.unlimited = true
        let unlimited = UnlimitedSolver().solve(unlimitedProblem)
        let free = bruteForce(sc, cards: ["H100": 60, "L40S": maxL ?? 60])
        #expect(free.map { abs(value(sc, counts(unlimited)) - $0.value) < 1e-6 } ?? false, "unlimited \(counts(unlimited))")
    }

    /// Greedy's cost-aware rule by hand. L40S costs 30 per request/s of capacity, H100 50: at 9/s from 1 H100 and
    /// 0 L40S, it adds L40S until 2 + 0.5·n ≥ 9 (n = 14), then removes nothing (dropping the H100 would leave 7).
    /// With 8 L40S cards it stops at 8 L40S (6/s) and adds H100s: one more (8/s), then one more (10/s). Removal
    /// tries the most expensive per capacity first: an H100 would leave 8 < 9; an L40S leaves 9.5, another 9.0:
    /// two go.
    @Test func greedyCostAwareRule() {
        let start = [VariantBounds(accelerator: "H100", currentReplicas: 1), VariantBounds(accelerator: "L40S", currentReplicas: 0)]
        let solve = { (cards: [String: Int], rate: Double) in
            GreedySolver().solve(OptimizationProblem(servers: [self.model(rate: rate, bounds: start)], capacity: Capacity(cards),
                                                     options: OptimizerOptions(saturationPolicy: .priorityExhaustive)))
        }
        #expect(counts(solve(["H100": 16, "L40S": 16], 9)) == ["H100": 1, "L40S": 14])
        #expect(counts(solve(["H100": 16, "L40S": 8], 9)) == ["H100": 3, "L40S": 6])
        // No demand: everything may go, except what minReplicas keeps (none here).
        #expect(counts(solve(["H100": 16, "L40S": 16], 0)).isEmpty)
        // Shrinking from 4 H100 + 4 L40S at 3/s: the H100s go first (most expensive per capacity) while the rest
        // covers 3/s: 4 L40S (2/s) need one H100; 1 H100 + 4 L40S = 4/s, dropping an L40S leaves 3.5, again 3.0.
        let big = [VariantBounds(accelerator: "H100", currentReplicas: 4), VariantBounds(accelerator: "L40S", currentReplicas: 4)]
        let shrunk = GreedySolver().solve(OptimizationProblem(servers: [model(rate: 3, bounds: big)], capacity: Capacity(["H100": 16, "L40S": 16]),
                                                               options: OptimizerOptions(saturationPolicy: .priorityExhaustive)))
        #expect(counts(shrunk) == ["H100": 1, "L40S": 2])
    }
}
