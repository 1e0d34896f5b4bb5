import Testing
@testable import InfernoMIP

/// Hand-worked greedy outcomes. One card per replica unless stated; with no current allocation a candidate's
/// value is 1.1 × its cost, so regrets are 1.1 × cost differences.
@Suite struct GreedySolverTests {
    typealias I = Instances

    /// Server name → "accelerator×replicas", or "" when it gets nothing.
    func outcome(_ solution: Solution) -> [String: String] {
        Dictionary(uniqueKeysWithValues: solution.servers.map { s in
            (s.name, s.placements.map { "\($0.accelerator)×\($0.replicas)" }.joined(separator: "+"))
        })
    }

    func solve(_ servers: [ServerCandidates], _ cards: [String: Int], policy: SaturationPolicy = .none,
               delayed: Bool = false) -> Solution {
        GreedySolver().solve(OptimizationProblem(
            servers: servers, capacity: Capacity(cards),
            options: OptimizerOptions(saturationPolicy: policy, delayedBestEffort: delayed)))
    }

    // MARK: Saturation policies

    /// 4 A100 cards, 1 H100 card; nobody fits fully, so everything below is best effort.
    /// - `p1b` (priority 1): A100 6 × 10, value 66.
    /// - `p1a` (priority 1): A100 5 × 10, value 55.
    /// - `p2a` (priority 2): A100 5 × 10 (value 55) or H100 3 × 20 (value 66).
    /// Allocation: `p1b` before `p1a` (equal infinite regret, larger value first); both fail. `p2a` fails A100
    /// (5 > 4), then H100 (3 > 1). Best effort sees them in the order they ran out: p1b, p1a, p2a.
    func saturated(_ policy: SaturationPolicy, delayed: Bool = true) -> [String: String] {
        outcome(solve([
            I.server("p1a", priority: 1, [I.candidate("A100", replicas: 5, costPerReplica: 10)]),
            I.server("p1b", priority: 1, [I.candidate("A100", replicas: 6, costPerReplica: 10)]),
            I.server("p2a", priority: 2, [I.candidate("A100", replicas: 5, costPerReplica: 10),
                                          I.candidate("H100", replicas: 3, costPerReplica: 20)]),
        ], ["A100": 4, "H100": 1], policy: policy, delayed: delayed))
    }

    /// None: servers that cannot be fully served get nothing.
    @Test func saturationNone() {
        #expect(saturated(.none) == ["p1a": "", "p1b": "", "p2a": ""])
    }

    /// PriorityExhaustive: `p1b` takes all 4 A100 cards (as many as fit, up to 6); `p1a` finds no room on its
    /// only type; `p2a`'s first candidate (A100) has no room, its next (H100) has one card: H100 ×1.
    @Test func saturationPriorityExhaustive() {
        #expect(saturated(.priorityExhaustive) == ["p1a": "", "p1b": "A100×4", "p2a": "H100×1"])
    }

    /// PriorityRoundRobin: priority 1 first, one replica each in turn: p1b, p1a, p1b, p1a uses the 4 A100 cards.
    /// Then priority 2: `p2a` picks its first candidate with room, H100, and takes its one card.
    @Test func saturationPriorityRoundRobin() {
        #expect(saturated(.priorityRoundRobin) == ["p1a": "A100×2", "p1b": "A100×2", "p2a": "H100×1"])
    }

    /// RoundRobin: all three in turn. Round 1: p1b, p1a, p2a each take an A100 card (`p2a` commits to A100, its
    /// first candidate with room). Round 2: p1b takes the last card; p1a and p2a find A100 full and drop out.
    /// `p2a` does not switch to H100 once committed (upstream), so the H100 card stays idle.
    @Test func saturationRoundRobin() {
        #expect(saturated(.roundRobin) == ["p1a": "A100×1", "p1b": "A100×2", "p2a": "A100×1"])
    }

    /// Without delayed best effort each priority group gets its best effort alone, so RoundRobin and
    /// PriorityRoundRobin coincide (and equal the delayed PriorityRoundRobin outcome here).
    @Test func roundRobinPerGroupWithoutDelay() {
        let expected = ["p1a": "A100×2", "p1b": "A100×2", "p2a": "H100×1"]
        #expect(saturated(.roundRobin, delayed: false) == expected)
        #expect(saturated(.priorityRoundRobin, delayed: false) == expected)
    }

    /// Upstream's quirk: best effort for priority 1 runs before priority 2 is allocated.
    /// 4 A100 cards; `big` (priority 1) needs A100 ×5, `small` (priority 2) A100 ×2; PriorityExhaustive.
    /// - Not delayed: `big` fails, best effort gives it all 4 cards, `small` then fits nowhere: big 4, small 0.
    /// - Delayed: `big` fails, `small` is fully served with 2, best effort gives `big` the other 2.
    @Test func bestEffortBeforeNextGroupUnlessDelayed() {
        let servers = [
            I.server("big", priority: 1, [I.candidate("A100", replicas: 5, costPerReplica: 10)]),
            I.server("small", priority: 2, [I.candidate("A100", replicas: 2, costPerReplica: 10)]),
        ]
        let eager = solve(servers, ["A100": 4], policy: .priorityExhaustive)
        #expect(outcome(eager) == ["big": "A100×4", "small": ""])
        #expect(eager.server(named: "small")?.status.label == "unserved")
        let delayed = solve(servers, ["A100": 4], policy: .priorityExhaustive, delayed: true)
        #expect(outcome(delayed) == ["big": "A100×2", "small": "A100×2"])
        #expect(delayed.server(named: "small")?.status.isFullyServed == true)
        #expect(delayed.server(named: "big")?.status.label == "partial")
    }

    // MARK: Regret order

    /// 2 A100, 2 H100 cards.
    /// - `s1`: A100 2 × 10 (22) or H100 2 × 12 (26.4): regret 4.4.
    /// - `s2`: A100 2 × 10 (22) or H100 2 × 30 (66): regret 44.
    /// `s2` goes first although `s1` sorts first by name: it takes A100, `s1` moves to H100 at a small loss.
    /// Total cost 20 + 24 = 44; in name order it would have been 20 + 60 = 80.
    @Test func higherRegretGoesFirst() {
        let sol = solve([
            I.server("s1", [I.candidate("A100", replicas: 2, costPerReplica: 10),
                            I.candidate("H100", replicas: 2, costPerReplica: 12)]),
            I.server("s2", [I.candidate("A100", replicas: 2, costPerReplica: 10),
                            I.candidate("H100", replicas: 2, costPerReplica: 30)]),
        ], ["A100": 2, "H100": 2])
        #expect(outcome(sol) == ["s1": "H100×2", "s2": "A100×2"])
        #expect(abs(sol.totalCost - 44) < 1e-9)
    }

    /// Equal regret (both infinite: one candidate each): the costlier current value goes first.
    /// 2 A100 cards; `cheap` A100 2 × 5 (11), `dear` A100 2 × 10 (22): `dear` wins though `cheap` sorts first.
    @Test func equalRegretLargerValueFirst() {
        let sol = solve([
            I.server("cheap", [I.candidate("A100", replicas: 2, costPerReplica: 5)]),
            I.server("dear", [I.candidate("A100", replicas: 2, costPerReplica: 10)]),
        ], ["A100": 2])
        #expect(outcome(sol) == ["cheap": "", "dear": "A100×2"])
    }

    /// A server that fails its candidate is reinserted by its new regret. 2 cards each of A100, H100, L40S.
    /// - `r`: A100 2 × 10 (22) or L40S 2 × 60 (132): regret 110.
    /// - `p`: A100 2 × 10 (22), H100 2 × 20 (44), L40S 2 × 21 (46.2): regret 22.
    /// - `q`: H100 2 × 10 (22) or L40S 2 × 15 (33): regret 11.
    /// Queue r, p, q. `r` takes A100. `p` fails A100, moves to H100 with regret 46.2 − 44 = 2.2 and is reinserted
    /// behind `q` (11). `q` takes H100; `p` fails H100 and ends on L40S. Cost 20 + 20 + 42 = 82 (had `p` kept its
    /// place it would have taken H100 and pushed `q` to L40S: 20 + 40 + 30 = 90).
    @Test func failedServerReinsertedByNewRegret() {
        let sol = solve([
            I.server("r", [I.candidate("A100", replicas: 2, costPerReplica: 10),
                           I.candidate("L40S", replicas: 2, costPerReplica: 60)]),
            I.server("p", [I.candidate("A100", replicas: 2, costPerReplica: 10),
                           I.candidate("H100", replicas: 2, costPerReplica: 20),
                           I.candidate("L40S", replicas: 2, costPerReplica: 21)]),
            I.server("q", [I.candidate("H100", replicas: 2, costPerReplica: 10),
                           I.candidate("L40S", replicas: 2, costPerReplica: 15)]),
        ], ["A100": 2, "H100": 2, "L40S": 2])
        #expect(outcome(sol) == ["p": "L40S×2", "q": "H100×2", "r": "A100×2"])
        #expect(abs(sol.totalCost - 82) < 1e-9)
    }

    // MARK: Stranding

    /// See ``Instances/strandingInstance()``: greedy serves `hog` on A100 and strands both H100 cards, leaving
    /// `needy` unserved (cost 20). The better allocation, needy A100 ×2 and hog H100 ×2 (cost 80, both served),
    /// is what the MIP must find.
    @Test func greedyStrandsCapacity() {
        let sol = GreedySolver().solve(Instances.strandingInstance())
        #expect(outcome(sol) == ["hog": "A100×2", "needy": ""])
        #expect(sol.servedVector(levels: [1]) == [1])
        #expect(abs(sol.totalCost - 20) < 1e-9)
        #expect(sol.usage.first { $0.type == "H100" }?.cardsUsed == 0)
    }

    // MARK: Priority

    /// 2 A100 cards; `alpha` A100 2 × 10 (value 22), `beta` A100 2 × 5 (value 11).
    /// Same priority: `alpha` goes first (equal regret, larger value). With `beta` at priority 1 and `alpha` at 2,
    /// `beta` is allocated first and `alpha` gets nothing.
    @Test func higherPriorityAllocatedFirst() {
        let alpha = [I.candidate("A100", replicas: 2, costPerReplica: 10)]
        let beta = [I.candidate("A100", replicas: 2, costPerReplica: 5)]
        let same = solve([I.server("alpha", priority: 1, alpha), I.server("beta", priority: 1, beta)], ["A100": 2])
        #expect(outcome(same) == ["alpha": "A100×2", "beta": ""])
        let ranked = solve([I.server("alpha", priority: 2, alpha), I.server("beta", priority: 1, beta)], ["A100": 2])
        #expect(outcome(ranked) == ["alpha": "", "beta": "A100×2"])
        #expect(ranked.servedPerPriority.map(\.served) == [1, 0])
    }

    // MARK: Transition values

    @Test func transitionValues() {
        // No current allocation: 1.1 × cost.
        #expect(abs(transitionValue(from: nil, to: "A100", replicas: 2, costPerReplica: 10) - 22) < 1e-9)
        let current = Allocation(accelerator: "H100", replicas: 2, cost: 20)
        // Same accelerator and replicas: 0.
        #expect(transitionValue(from: current, to: "H100", replicas: 2, costPerReplica: 10) == 0)
        // Same accelerator, other replicas: cost difference, 30 − 20.
        #expect(abs(transitionValue(from: current, to: "H100", replicas: 3, costPerReplica: 10) - 10) < 1e-9)
        // Another accelerator: 0.1 × (20 + 20) + 20 − 20.
        #expect(abs(transitionValue(from: current, to: "A100", replicas: 2, costPerReplica: 10) - 4) < 1e-9)
    }

    /// A100 and H100 both cost 2 × 10. With no current allocation both are worth 22 and the accelerator name
    /// decides (A100). Running on H100 now, H100 is worth 0 and A100 4: the server stays. With no H100 card
    /// free it moves anyway (a preference, not a pin).
    @Test func currentAllocationKeptWhenCostsTie() {
        let candidates = [I.candidate("A100", replicas: 2, costPerReplica: 10),
                          I.candidate("H100", replicas: 2, costPerReplica: 10)]
        let cards = ["A100": 2, "H100": 2]
        #expect(outcome(solve([I.server("m", candidates)], cards)) == ["m": "A100×2"])
        let running = Allocation(accelerator: "H100", replicas: 2, cost: 20)
        #expect(outcome(solve([I.server("m", candidates, current: running)], cards)) == ["m": "H100×2"])
        #expect(outcome(solve([I.server("m", candidates, current: running)], ["A100": 2, "H100": 0])) == ["m": "A100×2"])
    }

    // MARK: Limits and zero load

    /// `maxReplicas` 2: the cheaper A100 ×3 is never a full allocation, so H100 ×2 is taken. Best effort may still
    /// use an over-limit candidate, capped at `maxReplicas` (`tight` gets A100 ×2 of the 3 it needs).
    @Test func maxReplicasRespected() {
        let sol = solve([
            I.server("capped", [I.candidate("A100", replicas: 3, costPerReplica: 5),
                                I.candidate("H100", replicas: 2, costPerReplica: 10)], maxReplicas: 2),
            I.server("tight", [I.candidate("L40S", replicas: 3, costPerReplica: 5)], maxReplicas: 2),
        ], ["A100": 10, "H100": 10, "L40S": 10], policy: .priorityExhaustive)
        #expect(outcome(sol) == ["capped": "H100×2", "tight": "L40S×2"])
        #expect(sol.server(named: "capped")?.status.isFullyServed == true)
        #expect(sol.server(named: "tight")?.status.label == "partial")
    }

    /// A zero-load server with `minReplicas` 0 needs no cards: served even with none free.
    @Test func zeroReplicaServerTriviallyAllocated() {
        let sol = solve([I.server("idle", [I.candidate("A100", replicas: 0, costPerReplica: 10)]),
                         I.server("busy", [I.candidate("A100", replicas: 1, costPerReplica: 10)])], ["A100": 0])
        #expect(sol.server(named: "idle")?.status.isFullyServed == true)
        #expect(sol.server(named: "idle")?.placements.isEmpty == true)
        #expect(sol.server(named: "busy")?.status.isFullyServed == false)
    }

    // MARK: Random instances

    static let randomCases: [(seed: UInt64, policy: SaturationPolicy, delayed: Bool)] =
        (1...60).flatMap { seed in
            SaturationPolicy.allCases.flatMap { p in [false, true].map { (UInt64(seed), p, $0) } }
        }

    func randomProblem(_ seed: UInt64, policy: SaturationPolicy = .none, delayed: Bool = false) -> OptimizationProblem {
        var rng = SplitMix64(seed: seed &* 7919)
        return Instances.randomProblem(seed: seed, servers: rng.int(2...14), types: rng.int(2...4),
                                       priorities: rng.int(1...3), tightness: rng.double(0.2...1.3),
                                       options: OptimizerOptions(saturationPolicy: policy, delayedBestEffort: delayed))
    }

    @Test func capacityNeverExceededOnRandomInstances() {
        var withPartial = 0
        for (seed, policy, delayed) in Self.randomCases {
            let problem = randomProblem(seed, policy: policy, delayed: delayed)
            let sol = GreedySolver().solve(problem)
            if sol.servers.contains(where: { $0.status.label == "partial" }) { withPartial += 1 }
            var used: [String: Int] = [:]
            for (s, chosen) in zip(problem.servers, sol.servers) {
                #expect(s.name == chosen.name)
                #expect(chosen.placements.count <= 1)
                for p in chosen.placements {
                    used[p.acceleratorType, default: 0] += p.units
                    let c = s.candidates.first { $0.accelerator == p.accelerator }
                    #expect(c != nil, "seed \(seed): \(s.name) placed on \(p.accelerator) without a candidate")
                    if let c {
                        #expect(p.acceleratorType == c.acceleratorType && p.unitsPerReplica == c.unitsPerReplica)
                        #expect(p.replicas <= c.replicasNeeded)
                        // Without best effort a server gets its full allocation or nothing.
                        if policy == .none { #expect(p.replicas == c.replicasNeeded) }
                    }
                    if let max = s.server.maxReplicas { #expect(p.replicas <= max) }
                }
            }
            for (type, units) in used {
                #expect(units <= problem.capacity[type], "seed \(seed) \(policy) delayed \(delayed): \(type)")
                #expect(sol.usage.first { $0.type == type }?.cardsUsed == units)
            }
        }
        // The instances are tight enough that best effort actually runs (219 of the 480 cases when written).
        #expect(withPartial > 100)
    }

    /// With capacity ignored greedy gives every server its best-valued candidate, as the unlimited solver does.
    @Test func unlimitedCapacityMatchesUnlimitedSolver() {
        for seed in UInt64(1)...40 {
            var problem = randomProblem(seed)
            problem.options.unlimited = true
            let greedy = GreedySolver().solve(problem)
            let unlimited = UnlimitedSolver().solve(problem)
            #expect(greedy.servers == unlimited.servers, "seed \(seed)")
        }
    }

    @Test func deterministic() {
        for seed in UInt64(1)...30 {
            let problem = randomProblem(seed, policy: .roundRobin, delayed: seed.isMultiple(of: 2))
            let first = GreedySolver().solve(problem).servers
            #expect(GreedySolver().solve(problem).servers == first)
            // Server order does not matter.
            let reversed = OptimizationProblem(servers: problem.servers.reversed(), capacity: problem.capacity,
                                               options: problem.options)
            #expect(GreedySolver().solve(reversed).servers == first, "seed \(seed)")
            // Nor does candidate order for the decisions (greedy sorts by value, then accelerator name). Only the
            // placements are compared: reversed candidates break ServerCandidates' sorted-by-name contract, and
            // the assembler reports a zero-load server's latencies from its first candidate.
            let shuffled = OptimizationProblem(
                servers: problem.servers.map { s in
                    var s = s
                    s.candidates.reverse()
                    return s
                },
                capacity: problem.capacity, options: problem.options)
            #expect(GreedySolver().solve(shuffled).servers.map(\.placements) == first.map(\.placements), "seed \(seed)")
        }
    }

    @Test func randomGeneratorIsReproducible() {
        let a = Instances.randomProblem(seed: 42, servers: 8, types: 3, priorities: 3, tightness: 0.6)
        let b = Instances.randomProblem(seed: 42, servers: 8, types: 3, priorities: 3, tightness: 0.6)
        #expect(a.servers == b.servers && a.capacity == b.capacity)
        #expect(a.servers.allSatisfy { (1...3).contains($0.candidates.count) })
        #expect(Set(a.servers.flatMap { $0.candidates.map(\.acceleratorType) }).isSubset(of: ["A100", "H100", "L40S"]))
    }
}
