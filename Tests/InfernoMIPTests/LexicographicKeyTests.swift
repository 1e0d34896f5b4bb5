import Testing
@testable import InfernoMIP

/// The order every solver's answer is judged by, on a hand-computed case.
@Suite struct LexicographicKeyTests {
    /// Premium `a` fully served on A100 (2 × 10); Free `b` gets 1 of the 4 H100 replicas it needs (1 × 30); Free `c`
    /// gets nothing. No current allocations, so every replica's value is 1.1 × its cost: 1.1 × (20 + 30) = 55.
    static func problem(_ policy: SaturationPolicy) -> (OptimizationProblem, [String: [Placement]]) {
        let a = Instances.server("a", priority: 1, [Instances.candidate("A100", replicas: 2, costPerReplica: 10)])
        let h100 = Instances.candidate("H100", replicas: 4, costPerReplica: 30)
        let b = Instances.server("b", priority: 10, [h100])
        let c = Instances.server("c", priority: 10, [Instances.candidate("H100", replicas: 2, costPerReplica: 30)])
        var options = OptimizerOptions()
        options.saturationPolicy = policy
        let problem = OptimizationProblem(servers: [a, b, c], capacity: Capacity(["A100": 2, "H100": 1]), options: options)
        let placements = ["a": [Placement(candidate: a.candidates[0], replicas: 2)], "b": [Placement(candidate: h100, replicas: 1)]]
        return (problem, placements)
    }

    @Test func handComputed() {
        let (exhaustive, placements) = Self.problem(.priorityExhaustive)
        let key = LexicographicKey(problem: exhaustive, placements: placements)
        #expect(key.served == [1, 0])
        #expect(key.bestEffort == [1, 0.25])
        #expect(abs(key.value - 55) < 1e-9)

        let (roundRobin, _) = Self.problem(.roundRobin)
        #expect(LexicographicKey(problem: roundRobin, placements: placements).bestEffort == [0, 1.25])
        let (priorityRR, _) = Self.problem(.priorityRoundRobin)
        #expect(LexicographicKey(problem: priorityRR, placements: placements).bestEffort == [1, 1, 0, 0.25])
        let (none, _) = Self.problem(.none)
        #expect(LexicographicKey(problem: none, placements: placements).bestEffort.isEmpty)
        // The priority policies rank each level's best effort right after its served count.
        #expect(key.bestEffortPerLevel == 1)
        #expect(LexicographicKey(problem: priorityRR, placements: placements).bestEffortPerLevel == 2)
        #expect(LexicographicKey(problem: roundRobin, placements: placements).bestEffortPerLevel == 0)
    }

    /// Served counts decide before best effort, best effort before value; equal within the tolerance.
    @Test func orderAndExplanation() {
        let (problem, placements) = Self.problem(.priorityExhaustive)
        let key = LexicographicKey(problem: problem, placements: placements)
        let levels = problem.priorityLevels
        var fewer = key; fewer.served = [0, 1]
        #expect(key.compare(fewer, levels: levels) == (1, "served p1 1 vs 0"))
        var lessShare = key; lessShare.bestEffort = [1, 0]
        #expect(key.compare(lessShare, levels: levels) == (1, "best effort p10 0.25 vs 0"))
        var dearer = key; dearer.value = 60
        #expect(key.compare(dearer, levels: levels).order == 1)
        #expect(dearer.compare(key, levels: levels).order == -1)
        var same = key; same.value += 1e-9
        #expect(key.compare(same, levels: levels) == (0, "equal"))
    }

    /// The order changed (docs/optimizer.md, "Stages"): level p1's best effort used to rank after every served
    /// count, so an answer that fully served one more p10 server beat one that gave p1 more of what it needs: a
    /// priority inversion. Under the priority policies p1's served fraction now decides before p10's count; under
    /// `RoundRobin` (shares across levels) and `None` every served count still comes first.
    @Test func aHigherLevelsBestEffortRanksBeforeALowerLevelsCount() {
        // `a` (p1) gets 1 of its 2 replicas and no p10 server is served, against `a` with nothing and `b` served.
        let (exhaustive, _) = Self.problem(.priorityExhaustive)
        let levels = exhaustive.priorityLevels
        var partialHigh = LexicographicKey(problem: exhaustive, placements: [:])
        partialHigh.served = [0, 0]; partialHigh.bestEffort = [0.5, 0]
        var servedLow = partialHigh
        servedLow.served = [0, 1]; servedLow.bestEffort = [0, 1]
        #expect(partialHigh.compare(servedLow, levels: levels) == (1, "best effort p1 0.5 vs 0"))

        let (priorityRR, _) = Self.problem(.priorityRoundRobin)
        var shareHigh = LexicographicKey(problem: priorityRR, placements: [:])
        shareHigh.served = [0, 0]; shareHigh.bestEffort = [0.5, 0.5, 0, 0]
        var shareLow = shareHigh
        shareLow.served = [0, 1]; shareLow.bestEffort = [0, 0, 0, 1]
        #expect(shareHigh.compare(shareLow, levels: levels) == (1, "best effort p1 #1 0.5 vs 0"))

        let (roundRobin, _) = Self.problem(.roundRobin)
        var acrossHigh = LexicographicKey(problem: roundRobin, placements: [:])
        acrossHigh.served = [0, 0]; acrossHigh.bestEffort = [0, 0.5]
        var acrossLow = acrossHigh
        acrossLow.served = [0, 1]; acrossLow.bestEffort = [0, 1]
        #expect(acrossHigh.compare(acrossLow, levels: levels) == (-1, "served p10 0 vs 1"))
    }
}
