import Foundation
import Testing
@testable import InfernoMIP

/// The MIP against independent truth: exhaustive enumeration, invariants, the unlimited and greedy solvers.
@Suite struct MIPSolverTests {
    /// Exact stages: the brute force knows no gap.
    static let exact = OptimizerOptions(timeLimitSeconds: 30, relativeGap: 0)

    static func placements(_ s: Solution) -> [String: [Placement]] {
        Dictionary(uniqueKeysWithValues: s.servers.map { ($0.name, $0.placements) })
    }

    static func checkCapacityAndCandidates(_ problem: OptimizationProblem, _ solution: Solution) {
        var used: [String: Int] = [:]
        for s in solution.servers {
            let sc = problem.servers.first { $0.name == s.name }!
            if !problem.options.heterogeneous { #expect(s.placements.count <= 1, "\(s.name) on several accelerators") }
            for p in s.placements {
                let c = sc.candidates.first { $0.accelerator == p.accelerator }
                #expect(c != nil, "\(s.name) got \(p.accelerator), which it has no candidate for")
                #expect(p.replicas <= (c?.replicasNeeded ?? 0), "\(s.name): more replicas than needed")
                used[p.acceleratorType, default: 0] += p.units
            }
            if let max = sc.server.maxReplicas { #expect(s.replicas <= max) }
        }
        for (type, units) in used { #expect(units <= problem.cards(of: type), "capacity of \(type) exceeded: \(units)") }
    }

    /// The solver's paths through a stage, each checked against brute force.
    enum Path: String, CaseIterable, Sendable {
        /// CBC's LP relaxation, rounding and search (``MIPTuning/choiceRelaxation`` off).
        case lp
        /// The priced stages, as by default: a served stage short of its bound after rounding gets the merged search
        /// (``MergedCounts``); on these small instances every other search is over the whole stage.
        case priced
        /// The priced stages with neighbourhoods of one server, so that a served stage short of its bound is settled
        /// by probing its counts (``StagedSolve/probeCounts``).
        case probed

        var tuning: MIPTuning {
            var t = MIPTuning()
            t.choiceRelaxation = self != .lp
            if self == .probed {
                // Without the merged search, which settles most of these stages before the probes.
                t.mergedCounts = false
                t.choiceSearchServers = 8
                // And without the heuristic retry one server short, which small fleets otherwise always get, and
                // with the room-making dive for any split server where a rounding fails.
                t.heuristicProbeOneShortServers = 0
                t.roomDiveShare = 0
            }
            return t
        }
    }

    /// At least 200 seeded small instances per run, each policy, checked against every allocation, on each path.
    @Test(arguments: SaturationPolicy.allCases, Path.allCases)
    func lexicographicallyOptimalAgainstBruteForce(policy: SaturationPolicy, path: Path) {
        let tuning = path.tuning
        var options = Self.exact
        options.saturationPolicy = policy
        let count = policy == .none ? 200 : 60
        let size = policy == .none ? 6 : 4
        var nontrivial = 0, probed = 0, merged = 0, pricedPartial = 0, held = 0
        for seed in 1...UInt64(count) {
            let problem = Instances.randomProblem(seed: seed * 7919 + UInt64(policy.rawValue.count), servers: size,
                                                  types: 3, priorities: 2 + Int(seed % 2), tightness: 0.45 + Double(seed % 5) * 0.1,
                                                  options: options)
            let truth = BruteForce.best(problem)
            let mip = MIPSolver(tuning: tuning).solve(problem)
            let key = BruteForce.key(problem, Self.placements(mip))
            #expect(key.compare(truth.key, levels: problem.priorityLevels).order == 0,
                    "seed \(seed) \(policy) \(path): MIP \(key) vs best \(truth.key)")
            Self.checkCapacityAndCandidates(problem, mip)
            #expect(mip.diagnostics.mip?.outcome == .optimal, "seed \(seed): \(mip.diagnostics.mip?.status ?? "?")")
            if truth.key.served.reduce(0, +) < problem.servers.count { nontrivial += 1 }
            probed += (mip.diagnostics.mip?.stages ?? []).filter { st in
                st.record.contains { if case .countProbe = $0 { true } else { false } } }.count
            merged += (mip.diagnostics.mip?.stages ?? []).filter { st in
                st.record.contains { if case .merged = $0 { true } else { false } } }.count
            // Served stages with partial choices searched merged with their partial service held.
            held += (mip.diagnostics.mip?.stages ?? []).filter { st in
                st.record.contains { if case .partialsHeld = $0 { true } else { false } } }.count
            // Best-effort stages priced, with their level's partial service free (MIPTuning.pricedPartials).
            pricedPartial += (mip.diagnostics.mip?.stages ?? []).filter { st in
                guard case .bestEffort = st.stage else { return false }
                return st.record.contains { if case .lagrangianBound = $0 { true } else { false } } }.count
        }
        // The instances are tight: most leave someone unserved, so the priority stages matter.
        #expect(nontrivial > count / 3)
        // The probed path did probe, under every policy: the top level's served stage is multiple-choice under all of
        // them (below it, the priority policies leave a level above's partial service free, and the LP path runs,
        // unless that level's count settles it: StagedSolveTests.aSettledLevelsPartialServiceIsPinned).
        if path == .probed { #expect(probed > 0) }
        // And the default path searched merged stages (the top level's under every policy, as above).
        if path == .priced { #expect(merged > 0) }
        // `PriorityExhaustive`'s best-effort stages are priced on the priced paths (PricedPartialsTests has the bound).
        if path != .lp, policy == .priorityExhaustive { #expect(pricedPartial > 0) }
        // And served stages with partial choices searched with it held (PricedPartialsTests checks that search).
        if path == .priced, policy == .priorityExhaustive { #expect(held > 0) }
    }

    /// MIP never loses to greedy in the lexicographic order (`LexicographicKey`): under `None` more servers per
    /// priority (lexicographically), or the same and no higher value; under `PriorityExhaustive` a level's best
    /// effort ranks before the next level's count, so a lower level may have fewer served than greedy's only when a
    /// higher one got more.
    @Test(arguments: [SaturationPolicy.none, .priorityExhaustive])
    func neverWorseThanGreedy(policy: SaturationPolicy) {
        var options = OptimizerOptions(timeLimitSeconds: 20, relativeGap: 0.005)
        options.saturationPolicy = policy
        var strictlyBetter = 0
        for seed in 1...UInt64(25) {
            let problem = Instances.randomProblem(seed: seed &* 104729, servers: 40, types: 4, priorities: 3,
                                                  tightness: 0.5 + Double(seed % 6) * 0.15, options: options)
            let mip = MIPSolver().solve(problem)
            let greedy = GreedySolver().solve(problem)
            Self.checkCapacityAndCandidates(problem, mip)
            let levels = problem.priorityLevels
            let a = mip.servedVector(levels: levels), b = greedy.servedVector(levels: levels)
            let keyMIP = BruteForce.key(problem, Self.placements(mip)), keyGreedy = BruteForce.key(problem, Self.placements(greedy))
            let verdict = keyMIP.compare(keyGreedy, levels: levels)
            #expect(verdict.order >= 0, "seed \(seed): MIP \(keyMIP) worse than greedy \(keyGreedy): \(verdict.decidedBy)")
            if policy == .none { #expect(!a.lexicographicallyPrecedes(b), "seed \(seed): MIP served \(a) < greedy \(b)") }
            let servedMIP = Set(mip.servers.filter(\.status.isFullyServed).map(\.name))
            let servedGreedy = Set(greedy.servers.filter(\.status.isFullyServed).map(\.name))
            if a == b, servedMIP == servedGreedy, policy == .none {
                let vm = BruteForce.key(problem, Self.placements(mip)).value
                let vg = BruteForce.key(problem, Self.placements(greedy)).value
                #expect(vm <= vg + 1e-6, "seed \(seed): MIP value \(vm) > greedy \(vg)")
            }
            if b.lexicographicallyPrecedes(a) { strictlyBetter += 1 }
        }
        #expect(strictlyBetter > 0, "tight instances should show greedy stranding capacity at least once")
    }

    /// The column generation stops once a stage's start is within the stage's gap of the bound so far
    /// (``MIPTuning/settledPricingStop``): the stage then ends at its start, as after converging. On 25 instances of
    /// 40 servers with the benchmark's gap, the same placements with the stop and without, never more rounds with
    /// it, and fewer on some.
    @Test func aSettledStartStopsThePricingAndChangesNoAnswer() {
        let options = OptimizerOptions(timeLimitSeconds: 20, relativeGap: 0.005)
        var off = MIPTuning()
        off.settledPricingStop = false
        func rounds(_ s: Solution) -> Int {
            (s.diagnostics.mip?.stages ?? []).flatMap(\.record).reduce(0) { sum, step in
                if case .lagrangianBound(_, let rounds, _) = step { sum + rounds } else { sum }
            }
        }
        var fewer = 0
        for seed in 1...UInt64(25) {
            let problem = Instances.randomProblem(seed: seed &* 104729, servers: 40, types: 4, priorities: 3,
                                                  tightness: 0.5 + Double(seed % 6) * 0.15, options: options)
            let stopped = MIPSolver().solve(problem), converged = MIPSolver(tuning: off).solve(problem)
            let a = Self.placements(stopped), b = Self.placements(converged)
            #expect(a == b, "seed \(seed): servers placed differently \(a.keys.filter { a[$0] != b[$0] }.sorted())")
            #expect(rounds(stopped) <= rounds(converged), "seed \(seed): \(rounds(stopped)) > \(rounds(converged))")
            if rounds(stopped) < rounds(converged) { fewer += 1 }
        }
        #expect(fewer > 0)
    }

    @Test func unlimitedCapacityEqualsUnlimitedSolver() {
        for seed in 1...UInt64(30) {
            var options = Self.exact
            options.unlimited = true
            let problem = Instances.randomProblem(seed: seed &* 31, servers: 12, types: 3, priorities: 2, tightness: 0.5, options: options)
            let mip = MIPSolver().solve(problem)
            let unlimited = UnlimitedSolver().solve(problem)
            #expect(mip.servedVector(levels: problem.priorityLevels) == unlimited.servedVector(levels: problem.priorityLevels))
            let vm = BruteForce.key(problem, Self.placements(mip)).value
            let vu = BruteForce.key(problem, Self.placements(unlimited)).value
            #expect(abs(vm - vu) < 1e-6, "seed \(seed): \(vm) vs \(vu)")
        }
    }

    @Test func findsWhatGreedyStrands() throws {
        let problem = Instances.strandingInstance()
        let greedy = GreedySolver().solve(problem)
        let mip = MIPSolver().solve(problem)
        let greedyServed = greedy.servers.filter(\.status.isFullyServed).count
        let mipServed = mip.servers.filter(\.status.isFullyServed).count
        #expect(mipServed == problem.servers.count)
        #expect(mipServed > greedyServed)
    }

    @Test func heterogeneousSpreadsReplicasToServeWhatOneTypeCannot() throws {
        // Needs rate 3: A100 replicas carry 1 each, H100 replicas 1.5 each. Only 2 A100 and 1 H100 cards exist,
        // so neither type alone can serve it; together (2 × 1 + 1 × 1.5 = 3.5) they can.
        let a = Candidate(accelerator: "A100", acceleratorType: "A100", unitsPerReplica: 1, batchLimit: 8, ratePerReplica: 1,
                          replicasNeeded: 3, costPerReplica: 10)
        let h = Candidate(accelerator: "H100", acceleratorType: "H100", unitsPerReplica: 1, batchLimit: 8, ratePerReplica: 1.5,
                          replicasNeeded: 2, costPerReplica: 20)
        let server = Instances.server("s", [a, h], requiredRate: 3)
        var options = Self.exact
        let capacity = Capacity(["A100": 2, "H100": 1])
        let single = MIPSolver().solve(OptimizationProblem(servers: [server], capacity: capacity, options: options))
        #expect(single.servers[0].status.isFullyServed == false)
        options.heterogeneous = true
        let hetero = MIPSolver().solve(OptimizationProblem(servers: [server], capacity: capacity, options: options))
        #expect(hetero.servers[0].status.isFullyServed)
        #expect(hetero.servers[0].placements.map(\.replicas) == [2, 1])
        #expect(hetero.servers[0].placements.reduce(0) { $0 + $1.servedRatePerSecond } >= 3)
    }

    @Test func keepsTheCurrentAcceleratorWhenItCostsTheSame() {
        let a = Instances.candidate("A100", replicas: 2, costPerReplica: 10)
        let b = Instances.candidate("B200", replicas: 2, costPerReplica: 10)
        let current = Allocation(accelerator: "B200", replicas: 2, cost: 20)
        let problem = OptimizationProblem(servers: [Instances.server("s", [a, b], current: current)],
                                          capacity: Capacity(["A100": 4, "B200": 4]), options: Self.exact)
        #expect(MIPSolver().solve(problem).servers[0].placements.first?.accelerator == "B200")
    }

    @Test func timeLimitOnAHardInstanceKeepsAnIncumbentAndReportsTheGap() {
        var options = OptimizerOptions(timeLimitSeconds: 1, relativeGap: 0)
        options.saturationPolicy = .none
        let problem = Instances.randomProblem(seed: 424242, servers: 400, types: 4, priorities: 1, tightness: 0.9, options: options)
        let clock = ContinuousClock()
        var solution: Solution!
        let elapsed = clock.measure { solution = MIPSolver().solve(problem) }
        Self.checkCapacityAndCandidates(problem, solution)
        let mip = solution.diagnostics.mip
        #expect(mip != nil)
        // Generous: the limit is wall clock, but the greedy start and model building come on top.
        #expect(elapsed < .seconds(8))
        if mip?.outcome != .optimal { #expect((mip?.gap ?? 0) > 0) }
        #expect(mip?.outcome != .fallback)
    }

    /// Every stage of this formulation is feasible at zero, so CBC always finds *something* on real instances
    /// (even at 1 ms it returns a heuristic point). The fallback path is therefore driven by a stage solver that
    /// reports what CBC reports when its limit runs out in preprocessing: no solution within the limit.
    @Test func noSolutionFromCBCFallsBackToGreedy() {
        var options = OptimizerOptions(timeLimitSeconds: 1, relativeGap: 0)
        options.saturationPolicy = .priorityExhaustive
        let problem = Instances.randomProblem(seed: 99, servers: 60, types: 4, priorities: 2, tightness: 0.8, options: options)
        // The priced stages need no CBC answer (their bound and rounding are the driver's own): off, so that every
        // stage depends on CBC.
        var tuning = MIPTuning()
        tuning.choiceRelaxation = false
        let nothing = MIPSolver(tuning: tuning, stageSolver: { _, _ in MIPResult(status: .noSolutionWithinLimit, seconds: 1) })
        let solution = nothing.solve(problem)
        let greedy = GreedySolver().solve(problem)
        #expect(solution.diagnostics.mip?.outcome == .fallback)
        #expect(solution.diagnostics.mip?.fallbackReason?.contains("no solution within limit") == true)
        #expect(solution.diagnostics.notes.contains { $0.contains("greedy") })
        #expect(Self.placements(solution) == Self.placements(greedy))
    }

    /// A stage that stops at its limit with an incumbent keeps it, reports the gap, and the later stages still run.
    @Test func realCBCAtAOneMillisecondLimitStillAnswers() throws {
        var options = OptimizerOptions(timeLimitSeconds: 0.001, relativeGap: 0)
        options.saturationPolicy = .none
        let problem = Instances.randomProblem(seed: 99, servers: 300, types: 4, priorities: 2, tightness: 0.8, options: options)
        let solution = MIPSolver().solve(problem)
        Self.checkCapacityAndCandidates(problem, solution)
        let mip = try #require(solution.diagnostics.mip)
        #expect(mip.outcome != .fallback)
        // The later stages still run: every level's served stage and the cost stage are reported (once per component),
        // each with an answer.
        let levels = problem.priorityLevels
        #expect(Set(mip.stages.compactMap(\.stage.servedPriority)) == Set(levels))
        #expect(mip.stages.filter { $0.stage == .cost }.count == mip.components)
        for st in mip.stages { #expect(st.objective != nil, "\(st.name) kept no answer") }
        // What the served stages report (summed over components) is what the answer serves: a later stage may not
        // lose it. Each stage's objective is within its bound.
        let priority = Dictionary(uniqueKeysWithValues: problem.servers.map { ($0.name, $0.priority) })
        for level in levels {
            let reported = mip.stages.filter { $0.stage.servedPriority == level }.reduce(0) { $0 + ($1.objective ?? 0) }
            let served = solution.servers.filter { priority[$0.name] == level && $0.status.isFullyServed }.count
            #expect(Double(served) >= reported - 1e-6, "p\(level): stages report \(reported), the answer serves \(served)")
        }
        for st in mip.stages where st.stage.servedPriority != nil {
            if let bound = st.bestBound, let objective = st.objective {
                #expect(objective <= bound + 1e-6, "\(st.name): \(objective) above its bound \(bound)")
            }
        }
        // The whole is optimal exactly when every stage is.
        #expect((mip.outcome == .optimal) == mip.stages.allSatisfy { $0.outcome == .optimal })
        #expect(!solution.servedVector(levels: levels).lexicographicallyPrecedes(GreedySolver().solve(problem).servedVector(levels: levels)))
    }

    /// The time guard: when less time is left than a stage's LP is expected to take, the stage is skipped (CBC
    /// cannot stop inside an LP), says so in its status and steps, and the answer still satisfies every stage before
    /// it. Here every LP takes 0.4 s on a scripted clock (which nothing else moves), in a 1-second budget with
    /// three priority levels: the first two served stages use 0.8 s, and no later LP fits in what is left.
    @Test func aStageWithoutTimeForItsLPIsSkippedAndSaysSo() throws {
        var options = OptimizerOptions(timeLimitSeconds: 1, relativeGap: 0)
        options.saturationPolicy = .none
        let problem = Instances.randomProblem(seed: 7, servers: 120, types: 3, priorities: 3, tightness: 0.6, options: options)
        let clock = ScriptedClock()
        // The LP path's guard: priced stages (which solve no stage LP) off.
        var tuning = MIPTuning()
        tuning.choiceRelaxation = false
        let slowLP = MIPSolver(tuning: tuning, clock: clock, stageSolver: { p, settings in
            var result = CbcSolver().solve(p, settings: settings)
            if !p.variables.contains(where: \.isIntegral) {
                clock.advance(0.4)
                result.seconds = 0.4
            }
            return result
        })
        let solution = slowLP.solve(problem)
        let stages = try #require(solution.diagnostics.mip?.stages)
        let skipped = stages.filter { $0.outcome == .skipped }
        #expect(!skipped.isEmpty)
        #expect(skipped.contains { $0.stage == .cost })
        for st in skipped {
            #expect(st.bestBound == nil)
            #expect(st.record.contains { if case .skipped = $0 { true } else { false } })
            #expect(st.steps.contains { $0.hasPrefix("skipped: its LP is expected to take") })
        }
        // Stages that ran through the LP say so, with their bound.
        #expect(stages.contains { st in st.steps.contains { $0.hasPrefix("LP bound") } })
        Self.checkCapacityAndCandidates(problem, solution)
        let levels = problem.priorityLevels
        #expect(!solution.servedVector(levels: levels).lexicographicallyPrecedes(GreedySolver().solve(problem).servedVector(levels: levels)))
    }

    /// Regression (found by the benchmark: MIP served 832 of greedy's 833 at priority 5, 2,000 servers, tightness 1.2,
    /// PriorityExhaustive): a zero-load server with no minimum is served with nothing, and the greedy start must
    /// count it. Under a best-effort policy every candidate is kept, but only undominated ones have a full-service
    /// column, and the first zero-replica candidate (`A`, dominated by `B` where the server runs now) has none.
    @Test func zeroLoadServerServedWithNothingCountsInTheStart() throws {
        let a = Instances.candidate("A", type: "T", replicas: 0, costPerReplica: 10)
        let b = Instances.candidate("B", type: "T", replicas: 0, costPerReplica: 10)
        let idle = Instances.server("idle", [a, b], current: Allocation(accelerator: "B", replicas: 2, cost: 20))
        var options = Self.exact
        options.saturationPolicy = .priorityExhaustive
        let problem = OptimizationProblem(servers: [idle], capacity: Capacity(["T": 4]), options: options)
        let f = AllocationFormulation(servers: problem.servers, options: options, cards: problem.cards(of:))
        let assembler = SolutionAssembler(problem: problem)
        #expect(assembler.isFullyServed(problem.servers[0], []))
        let point = try #require(f.point(for: ["idle": []], solutionStatus: assembler.isFullyServed))
        #expect(f.model.violations(point).isEmpty)
        #expect(f.servedCount([0]).value(point) == 1)
    }

    @Test func sameInputSameOutput() {
        var options = OptimizerOptions(timeLimitSeconds: 10, relativeGap: 0.005)
        options.saturationPolicy = .priorityRoundRobin
        let problem = Instances.randomProblem(seed: 77, servers: 60, types: 4, priorities: 3, tightness: 0.9, options: options)
        let a = MIPSolver().solve(problem), b = MIPSolver().solve(problem)
        #expect(Self.placements(a) == Self.placements(b))
    }
}
