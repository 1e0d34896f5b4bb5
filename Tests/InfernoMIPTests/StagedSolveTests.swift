import Foundation
import Testing
@testable import InfernoMIP

/// The lexicographic driver's parts, each on an instance small enough to work out by hand. One card per replica
/// throughout, so a candidate of `n` replicas takes `n` cards.
@Suite struct StagedSolveTests {
    static let cbc: @Sendable (MIPProblem, CbcSettings) -> MIPResult = { CbcSolver().solve($0, settings: $1) }

    static func driver(_ servers: [ServerCandidates], _ capacity: [String: Int], policy: SaturationPolicy = .none,
                       tuning: MIPTuning = MIPTuning(),
                       solveStage: @escaping @Sendable (MIPProblem, CbcSettings) -> MIPResult = StagedSolveTests.cbc) -> StagedSolve {
        var options = OptimizerOptions(timeLimitSeconds: 10, relativeGap: 0)
        options.saturationPolicy = policy
        let problem = OptimizationProblem(servers: servers, capacity: Capacity(capacity), options: options)
        return StagedSolve(servers: problem.servers, options: options, cards: problem.cards(of:),
                           assembler: SolutionAssembler(problem: problem), tuning: tuning, solveStage: solveStage)
    }

    static func on(_ c: Candidate) -> [Placement] { [Placement(candidate: c, replicas: c.replicasNeeded)] }

    static func placements(_ state: StageState) -> [String: [Placement]] {
        state.point.map { state.formulation.placements(at: $0) } ?? [:]
    }

    // MARK: Idle fill

    /// `a` holds 2 of 4 cards; idle `b` needs 2: it gets them.
    @Test func idleFillGivesAnIdleServerTheCardsLeft() throws {
        let t = Instances.candidate("T", replicas: 2, costPerReplica: 10)
        let d = Self.driver([Instances.server("a", [t]), Instances.server("b", [t])], ["T": 4])
        var state = d.initialState(start: ["a": Self.on(t), "b": []])
        #expect(state.point != nil)
        d.fillIdle(&state)
        #expect(Self.placements(state)["b"]?.map(\.replicas) == [2])
        #expect(Self.placements(state)["a"]?.map(\.replicas) == [2])
    }

    /// With 3 cards, 1 is left: `b` cannot be served and, under policy None, gets nothing; the point is unchanged.
    @Test func idleFillLeavesThePointWhenNothingFits() throws {
        let t = Instances.candidate("T", replicas: 2, costPerReplica: 10)
        let d = Self.driver([Instances.server("a", [t]), Instances.server("b", [t])], ["T": 3])
        let state = d.initialState(start: ["a": Self.on(t), "b": []])
        let point = try #require(state.point)
        #expect(d.idleFilled(point, state.formulation) == nil)
    }

    // MARK: Served repair

    /// `hi` (priority 0) lost its 2 cards to `lo` (priority 1) in a rounding; the count fixed for level 0 is 1.
    /// The only room is `lo`'s: it is evicted.
    @Test func repairEvictsALowerPriorityToRestoreAFixedCount() throws {
        let t = Instances.candidate("T", replicas: 2, costPerReplica: 10)
        let d = Self.driver([Instances.server("hi", priority: 0, [t]), Instances.server("lo", priority: 1, [t])], ["T": 2])
        var state = d.initialState(start: ["lo": Self.on(t), "hi": []])
        state.requiredServed = [0: 1]
        #expect(d.repairServed(&state))
        #expect(Self.placements(state)["hi"]?.map(\.replicas) == [2])
        #expect(Self.placements(state)["lo"]?.isEmpty ?? true)
        #expect(state.steps == [.repair(priority: 0, server: "hi", accelerator: "T", cards: 2, moved: 0, evicted: 1)])
        #expect(state.steps.map(\.description) == ["repair p0: hi on T (2 cards), 0 moved, 1 evicted"])
    }

    /// `hi` needs 2 of T's 4 cards, held by `loA` and `loB` (priority 1, 2 cards each): one must go, and it is the
    /// first by name. The repair lists the servers on T from a set, whose order Swift seeds per set; before the name
    /// broke the tie, either was evicted, so each of eight fresh repairs (eight sets) would have had even odds.
    @Test func repairEvictsTheFirstByNameAmongEqualServers() throws {
        let t = Instances.candidate("T", replicas: 2, costPerReplica: 10)
        let servers = ["hi", "loA", "loB"].map { Instances.server($0, priority: $0 == "hi" ? 0 : 1, [t]) }
        for _ in 0..<8 {
            let d = Self.driver(servers, ["T": 4])
            var state = d.initialState(start: ["loA": Self.on(t), "loB": Self.on(t), "hi": []])
            state.requiredServed = [0: 1]
            #expect(d.repairServed(&state))
            #expect(Self.placements(state)["loA"]?.isEmpty ?? true)
            #expect(Self.placements(state)["loB"]?.map(\.replicas) == [2])
        }
    }

    /// Without a fixed count nothing is repaired.
    @Test func repairWithoutAFixedCountChangesNothing() throws {
        let t = Instances.candidate("T", replicas: 2, costPerReplica: 10)
        let d = Self.driver([Instances.server("hi", priority: 0, [t]), Instances.server("lo", priority: 1, [t])], ["T": 2])
        var state = d.initialState(start: ["lo": Self.on(t), "hi": []])
        let before = state.point
        #expect(!d.repairServed(&state))
        #expect(state.point == before)
        #expect(state.steps.isEmpty)
    }

    /// `hi` fits only on T, held by `mover`, which could as well run on U (2 free cards): `mover` moves, nobody
    /// loses service.
    @Test func repairMovesAServedServerBeforeEvictingAnyone() throws {
        let t = Instances.candidate("T", replicas: 2, costPerReplica: 10)
        let u = Instances.candidate("U", replicas: 2, costPerReplica: 10)
        let d = Self.driver([Instances.server("hi", priority: 0, [t]), Instances.server("mover", priority: 0, [t, u])],
                            ["T": 2, "U": 2])
        var state = d.initialState(start: ["mover": Self.on(t), "hi": []])
        state.requiredServed = [0: 2]
        #expect(!d.repairServed(&state))
        #expect(Self.placements(state)["hi"]?.map(\.accelerator) == ["T"])
        #expect(Self.placements(state)["mover"]?.map(\.accelerator) == ["U"])
        #expect(state.steps == [.repair(priority: 0, server: "hi", accelerator: "T", cards: 2, moved: 1, evicted: 0)])
    }

    // MARK: Relax and fix

    /// Two servers of 2 cards, 3 cards: the LP serves 1.5 (its bound), an integral count at most 1, and the
    /// rounded answer serves 1, which meets the bound: the stage is settled without CBC's search.
    @Test func relaxAndFixSettlesAStageAtItsRoundedLPBound() throws {
        let t = Instances.candidate("T", replicas: 2, costPerReplica: 10)
        let d = Self.driver([Instances.server("a", [t]), Instances.server("b", [t])], ["T": 3])
        var state = d.initialState(start: nil)
        let request = StageRequest(stage: .served(priority: 1), objective: state.formulation.servedCount([0, 1]),
                                   sense: .maximize, integral: true)
        let prepared = d.prepare(request, &state)
        let result = try #require(d.relaxAndFix(&state, fixed: prepared.fixed, sense: .maximize, integral: true,
                                                settings: CbcSettings(timeLimitSeconds: 10, relativeGap: 0),
                                                budget: TimeBudget(clock: WallClock(), seconds: 10)))
        #expect(result.status == .optimal)
        #expect(abs((result.objective ?? 0) - 1) < 1e-9)
        #expect(result.bestBound == 1)
        #expect(abs((state.relaxationBound ?? 0) - 1.5) < 1e-6)
        guard case .relaxationBound(let bound, _) = state.steps.first else {
            Issue.record("the first step is the LP bound: \(state.steps)")
            return
        }
        #expect(abs(bound - 1.5) < 1e-6)
    }

    // MARK: Time guard

    /// A stage whose LP is expected (from the last one: 5 s, same size) to take longer than the 2 s left is skipped
    /// without calling CBC, keeps the current answer, and says why.
    @Test func aStageExpectedToOutlastTheBudgetIsSkipped() throws {
        let t = Instances.candidate("T", replicas: 2, costPerReplica: 10)
        let d = Self.driver([Instances.server("a", [t]), Instances.server("b", [t])], ["T": 3], solveStage: { _, _ in
            Issue.record("a skipped stage must not reach CBC")
            return MIPResult(status: .error("called"))
        })
        var state = d.initialState(start: ["a": [], "b": []])
        let request = StageRequest(stage: .served(priority: 1), objective: state.formulation.servedCount([0, 1]),
                                   sense: .maximize, integral: true)
        state.lastRelaxation = .init(seconds: 5, size: Double(state.formulation.model.reducedSize(pinned: [:])),
                                     partials: false)
        let clock = ScriptedClock()
        #expect(d.solve(request, &state, budget: TimeBudget(clock: clock, seconds: 2)))
        let stage = try #require(state.stages.last)
        #expect(stage.outcome == .skipped)
        #expect(stage.status == "skipped")
        #expect(stage.objective == 0)
        #expect(stage.record == [.skipped(expected: 5, left: 2)])
        #expect(stage.steps == ["skipped: its LP is expected to take 5.0 s, 2.0 s left"])
    }

    /// A priced stage's core LP expected (from the largest LP so far) to end past the solve's deadline is not
    /// started: the stage rounds the prices' own answer instead and says why; with the guard off the core LP runs.
    /// Both end at the count's bound.
    @Test(arguments: [true, false]) func aCoreLPExpectedToOutlastTheSolveIsNotStarted(guarded: Bool) throws {
        let t = Instances.candidate("T", replicas: 2, costPerReplica: 10)
        var tuning = MIPTuning()
        tuning.guardedRelaxation = guarded
        let d = Self.driver([Instances.server("a", [t]), Instances.server("b", [t])], ["T": 3], tuning: tuning)
        var state = d.initialState(start: ["a": [], "b": []])
        state.largestLP = .init(seconds: 1000, size: 1, partials: false, core: true)
        let request = StageRequest(stage: .served(priority: 1), objective: state.formulation.servedCount([0, 1]),
                                   sense: .maximize, integral: true)
        #expect(d.solve(request, &state, budget: TimeBudget(clock: ScriptedClock(), seconds: 10)))
        let stage = try #require(state.stages.last)
        #expect(stage.record.contains { if case .lagrangianBound = $0 { true } else { false } }, "\(stage.steps)")
        #expect(stage.record.contains { if case .coreLP = $0 { true } else { false } } == !guarded, "\(stage.steps)")
        #expect(stage.record.contains { if case .relaxationSkipped = $0 { true } else { false } } == guarded,
                "\(stage.steps)")
        #expect(stage.objective == 1)
    }

    /// A stage begun with less time to the deadline than twice the last priced stage's pricing (0.8 s, 1.2 s left)
    /// is skipped without calling CBC and says why; with the guard off it runs (and here reaches CBC).
    @Test(arguments: [true, false]) func aStageWithLessTimeThanTheLastPricingIsSkipped(guarded: Bool) throws {
        let t = Instances.candidate("T", replicas: 2, costPerReplica: 10)
        let calls = Counter()
        var tuning = MIPTuning()
        tuning.guardedRelaxation = guarded
        let d = Self.driver([Instances.server("a", [t]), Instances.server("b", [t])], ["T": 3], tuning: tuning,
                            solveStage: { p, s in calls.add(); return CbcSolver().solve(p, settings: s) })
        var state = d.initialState(start: ["a": [], "b": []])
        state.lastPricingSeconds = 0.8
        let request = StageRequest(stage: .served(priority: 1), objective: state.formulation.servedCount([0, 1]),
                                   sense: .maximize, integral: true)
        #expect(d.solve(request, &state, budget: TimeBudget(clock: ScriptedClock(), seconds: 1.2)))
        let stage = try #require(state.stages.last)
        if guarded {
            #expect(stage.outcome == .skipped)
            #expect(stage.record == [.pricingSkipped(expected: 0.8, left: 1.2)])
            #expect(stage.steps == ["skipped: 1.2 s left, less than twice the last pricing (0.8 s)"])
            #expect(calls.value == 0)
        } else {
            #expect(stage.outcome == .optimal)
            #expect(stage.objective == 1)
            #expect(calls.value > 0)
        }
    }

    /// Expected 0.6 s with 1 s left: more than its half share (0.5 s) but less than all that is left, so the stage
    /// gets up to twice the estimate (all of the 1 s) and runs.
    @Test func aStageWhoseLPOutlastsItsShareButFitsGetsTheTime() throws {
        let t = Instances.candidate("T", replicas: 2, costPerReplica: 10)
        let d = Self.driver([Instances.server("a", [t]), Instances.server("b", [t])], ["T": 3])
        var state = d.initialState(start: ["a": [], "b": []])
        let request = StageRequest(stage: .served(priority: 1), objective: state.formulation.servedCount([0, 1]),
                                   sense: .maximize, integral: true)
        let prepared = d.prepare(request, &state)
        state.lastRelaxation = .init(seconds: 0.6, size: Double(state.formulation.model.reducedSize(pinned: prepared.fixed)),
                                     partials: false)
        let time = d.stageTime(request, prepared, state, budget: TimeBudget(clock: ScriptedClock(), seconds: 1),
                               left: 1, share: 0.5)
        #expect(!time.skip)
        #expect(abs(time.expected - 0.6) < 1e-12)
        #expect(time.settings.timeLimitSeconds == 1)
        #expect(abs(time.budget.left - 1) < 1e-12)
    }

    /// No earlier stage solved a full LP (so the stage itself is not skipped), but the largest LP so far, of the
    /// same size, took 5 s: with 2 s to the solve's deadline neither the stage's LP nor CBC's search, which begins
    /// with it, starts. The stage, which did nothing else, is skipped: it keeps its answer, without a bound, and says
    /// why. With the guard off the LP runs.
    @Test(arguments: [true, false])
    func aFullLPExpectedToOutlastTheSolveIsNotStarted(guarded: Bool) throws {
        let t = Instances.candidate("T", replicas: 2, costPerReplica: 10)
        var tuning = MIPTuning()
        tuning.choiceRelaxation = false
        tuning.guardedRelaxation = guarded
        let calls = Counter()
        let d = Self.driver([Instances.server("a", [t]), Instances.server("b", [t])], ["T": 3], tuning: tuning,
                            solveStage: { calls.add(); return StagedSolveTests.cbc($0, $1) })
        var state = d.initialState(start: ["a": [], "b": []])
        let request = StageRequest(stage: .served(priority: 1), objective: state.formulation.servedCount([0, 1]),
                                   sense: .maximize, integral: true)
        state.largestLP = .init(seconds: 5, size: Double(state.formulation.model.reducedSize(pinned: [:])),
                                partials: false)
        state.relaxationBound = 99 // an earlier stage's, which must not become this one's bound
        #expect(d.solve(request, &state, budget: TimeBudget(clock: ScriptedClock(), seconds: 2)))
        let stage = try #require(state.stages.last)
        if guarded {
            #expect(calls.value == 0)
            #expect(stage.outcome == .skipped)
            #expect(stage.objective == 0)
            #expect(stage.bestBound == nil)
            #expect(stage.record == [.relaxationSkipped(expected: 5, left: 2), .noTimeForSearch])
            #expect(stage.steps.first == "LP not started: expected to take 5.0 s, 2.0 s left")
        } else {
            #expect(calls.value > 0)
            #expect(stage.outcome == .optimal)
            #expect(stage.objective == 1)
        }
    }

    /// A priced stage's core LP is what a later full LP is estimated from: after a stage that solved one and no
    /// full LP there is a largest LP so far, unless the core LP took less than `lpPaceMinSeconds` (these take
    /// milliseconds), where CBC's fixed costs would set the pace.
    @Test(arguments: [0.0, 0.1])
    func aCoreLPSetsThePaceOfLaterLPs(minSeconds: Double) throws {
        let t = Instances.candidate("T", replicas: 2, costPerReplica: 10)
        let u = Instances.candidate("U", replicas: 3, costPerReplica: 12)
        let servers = (0..<6).map { Instances.server("s\($0)", [t, u]) }
        var tuning = MIPTuning()
        tuning.lpPaceMinSeconds = minSeconds
        let d = Self.driver(servers, ["T": 5, "U": 7], tuning: tuning)
        var state = d.initialState(start: Dictionary(uniqueKeysWithValues: servers.map { ($0.name, []) }))
        let request = StageRequest(stage: .served(priority: 1), objective: state.formulation.servedCount(Array(0..<6)),
                                   sense: .maximize, integral: true)
        #expect(d.solve(request, &state, budget: TimeBudget(clock: WallClock(), seconds: 10)))
        let record = try #require(state.stages.last).record
        let cores = record.compactMap { step -> Double? in
            if case .coreLP(_, .optimal, _, let seconds) = step { seconds } else { nil }
        }
        try #require(!cores.isEmpty, "the stage solved no core LP: \(record)")
        #expect(!record.contains { if case .relaxationBound = $0 { true } else { false } }, "a full LP ran: \(record)")
        if cores.contains(where: { $0 >= minSeconds }) {
            let largest = try #require(state.largestLP)
            #expect(largest.core && largest.size > 0 && !largest.partials)
        } else {
            #expect(state.largestLP == nil)
        }
    }

    // MARK: Settled partial service

    /// Under `PriorityExhaustive` a served stage leaves a higher level's partial service free (that level's best
    /// effort is a fixed row). Here the top level's count requires its one server fully served, so its partial
    /// columns can only be zero: pinned, the lower level's stage is multiple-choice over full service alone; without
    /// the pins it is priced with partial choices (`pricedPartials`); with neither it is an LP. Every stage ends at
    /// the same objective all three ways.
    @Test func aSettledLevelsPartialServiceIsPinned() throws {
        let t = Instances.candidate("T", replicas: 2, costPerReplica: 10)
        let u = Instances.candidate("U", replicas: 2, costPerReplica: 12)
        let servers = [Instances.server("hi", priority: 1, [t, u])]
            + (0..<4).map { Instances.server("lo\($0)", priority: 2, [t, u]) }
        func run(pinned: Bool, pricedPartials: Bool) -> StagedSolve.Outcome {
            var tuning = MIPTuning()
            tuning.pinSettledPartials = pinned
            tuning.pricedPartials = pricedPartials
            return Self.driver(servers, ["T": 5, "U": 3], policy: .priorityExhaustive, tuning: tuning)
                .run(start: Dictionary(uniqueKeysWithValues: servers.map { ($0.name, []) }),
                     budget: TimeBudget(clock: WallClock(), seconds: 10))
        }
        let on = run(pinned: true, pricedPartials: true)
        let partial = run(pinned: false, pricedPartials: true), off = run(pinned: false, pricedPartials: false)
        func priced(_ o: StagedSolve.Outcome) throws -> Bool {
            let low = try #require(o.stages.first { $0.stage == .served(priority: 2) }, "\(o.stages.map(\.name))")
            return low.record.contains { if case .lagrangianBound = $0 { true } else { false } }
        }
        #expect(try priced(on))
        #expect(try priced(partial))
        #expect(try !priced(off))
        // 8 cards, the top server takes 2: two of the four lower servers fit whole, and the same in every stage.
        for other in [partial, off] {
            #expect(on.stages.map(\.name) == other.stages.map(\.name))
            for (a, b) in zip(on.stages, other.stages) {
                #expect(abs((a.objective ?? .nan) - (b.objective ?? .nan)) < 1e-6, "\(a.name): \(a.objective ?? .nan) vs \(b.objective ?? .nan)")
            }
        }
        #expect(on.stages.first { $0.stage == .served(priority: 2) }?.objective == 2)
    }

    @Test func aBudgetReadsItsClock() {
        let clock = ScriptedClock()
        let budget = TimeBudget(clock: clock, seconds: 3)
        clock.advance(1.25)
        #expect(budget.left == 1.75)
        #expect(budget.elapsed(since: 0) == 1.25)
        #expect(budget.starting(seconds: -1).left == 0)
        clock.advance(2)
        #expect(budget.left == -0.25)
    }

    /// A reserve ends CBC's time before the solve's deadline, in the budget and in every stage's share of it that
    /// reaches past that point, while the deadline itself (which stages' shares and skips are decided on) stays.
    @Test func aReserveStopsCBCBeforeTheDeadline() {
        let clock = ScriptedClock()
        let budget = TimeBudget(clock: clock, seconds: 10, reserve: 0.5)
        let settings = CbcSettings(timeLimitSeconds: 20)
        #expect(budget.limiting(settings).timeLimitSeconds == 9.5)
        #expect(budget.left == 9.5)
        #expect(budget.toDeadline == 10)
        clock.advance(4)
        let early = budget.starting(seconds: 3), late = budget.starting(seconds: 6)
        #expect(early.limiting(settings).timeLimitSeconds == 3)
        #expect(late.limiting(settings).timeLimitSeconds == 5.5)
        #expect(late.toDeadline == 6)
        clock.advance(5.75)
        #expect(budget.left == -0.25)
        #expect(budget.limiting(settings).timeLimitSeconds == 0.01)
        #expect(budget.toDeadline == 0.25)
    }

    // MARK: Max-min

    /// Round robin, two servers of 4 cards, 6 cards: one is fully served (4 cards, share 1), the other gets the 2
    /// left (share 1/2): the smallest share is 1/2, the total 3/2.
    @Test func roundRobinFixesTheSmallestShareThenTheTotal() throws {
        let t = Instances.candidate("T", replicas: 4, costPerReplica: 10)
        var options = OptimizerOptions(timeLimitSeconds: 10, relativeGap: 0)
        options.saturationPolicy = .roundRobin
        let problem = OptimizationProblem(servers: [Instances.server("a", [t]), Instances.server("b", [t])],
                                          capacity: Capacity(["T": 6]), options: options)
        let solution = MIPSolver().solve(problem)
        let stages = try #require(solution.diagnostics.mip?.stages)
        #expect(stages.map(\.stage) == [.served(priority: 1), .minShare(priority: nil), .totalShare(priority: nil), .cost])
        #expect(abs((stages[1].objective ?? 0) - 0.5) < 1e-6)
        #expect(abs((stages[2].objective ?? 0) - 1.5) < 1e-6)
        #expect(solution.servers.map(\.replicas).sorted() == [2, 4])
    }

    // MARK: Stage order

    /// Two GPU types: A 3 cards, H 1 card. `hi` (priority 1) needs 4 replicas on either type, so it cannot be fully
    /// served; `lo` (priority 10) needs 2 on either, so only A can serve it. The old order (every served count, then
    /// best effort) served `lo` on A and left `hi` 1 of the 4 cards it needs (1/4): a priority inversion. Now p1's
    /// best effort comes before p10 is allocated: `hi` takes the 3 A cards (3/4), `lo` the H card (1/2).
    static func inversionInstance(_ policy: SaturationPolicy) -> OptimizationProblem {
        let hi = Instances.server("hi", priority: 1, [Instances.candidate("A", replicas: 4, costPerReplica: 10),
                                                      Instances.candidate("H", replicas: 4, costPerReplica: 30)])
        let lo = Instances.server("lo", priority: 10, [Instances.candidate("A", replicas: 2, costPerReplica: 10),
                                                       Instances.candidate("H", replicas: 2, costPerReplica: 30)])
        var options = OptimizerOptions(timeLimitSeconds: 10, relativeGap: 0)
        options.saturationPolicy = policy
        return OptimizationProblem(servers: [hi, lo], capacity: Capacity(["A": 3, "H": 1]), options: options)
    }

    @Test(arguments: [SaturationPolicy.priorityExhaustive, .priorityRoundRobin])
    func aHigherLevelsBestEffortComesBeforeALowerLevel(policy: SaturationPolicy) throws {
        let problem = Self.inversionInstance(policy)
        let solution = MIPSolver().solve(problem)
        let got = Dictionary(uniqueKeysWithValues: solution.servers.map { ($0.name, $0.placements) })
        #expect(got["hi"]?.map(\.accelerator) == ["A"] && got["hi"]?.map(\.replicas) == [3])
        #expect(got["lo"]?.map(\.accelerator) == ["H"] && got["lo"]?.map(\.replicas) == [1])
        let stages = try #require(solution.diagnostics.mip?.stages).map(\.stage)
        #expect(stages == (policy == .priorityExhaustive
            ? [.served(priority: 1), .bestEffort(priority: 1), .served(priority: 10), .bestEffort(priority: 10), .cost]
            : [.served(priority: 1), .minShare(priority: 1), .totalShare(priority: 1),
               .served(priority: 10), .minShare(priority: 10), .totalShare(priority: 10), .cost]))
        // The old order's answer loses on p1's best effort; greedy, which also runs a level's best effort before
        // the next level, finds the same answer as the MIP here.
        let a = Instances.candidate("A", replicas: 2, costPerReplica: 10)
        let inverted = ["lo": Self.on(a), "hi": [Placement(candidate: problem.servers[0].candidates[0], replicas: 1)]]
        let levels = problem.priorityLevels
        let key = LexicographicKey(problem: problem, placements: got)
        let decided = key.compare(LexicographicKey(problem: problem, placements: inverted), levels: levels)
        #expect(decided.order == 1 && decided.decidedBy.hasPrefix("best effort p1"), "\(decided)")
        let greedy = GreedySolver().solve(problem)
        let greedyPlacements = Dictionary(uniqueKeysWithValues: greedy.servers.map { ($0.name, $0.placements) })
        #expect(key.compare(LexicographicKey(problem: problem, placements: greedyPlacements), levels: levels).order == 0)
    }

    /// `RoundRobin` shares across levels, not by priority: its max-min still follows every served count, so `lo`
    /// is served on A and `hi` gets one card (1/4).
    @Test func roundRobinStillServesCountsFirst() throws {
        let solution = MIPSolver().solve(Self.inversionInstance(.roundRobin))
        let got = Dictionary(uniqueKeysWithValues: solution.servers.map { ($0.name, $0.placements) })
        #expect(got["lo"]?.map(\.accelerator) == ["A"] && got["lo"]?.map(\.replicas) == [2])
        #expect(got["hi"]?.map(\.replicas) == [1])
        let stages = try #require(solution.diagnostics.mip?.stages).map(\.stage)
        #expect(stages == [.served(priority: 1), .served(priority: 10), .minShare(priority: nil),
                           .totalShare(priority: nil), .cost])
    }

    // MARK: Names at the edge

    /// The names and statuses are what `optimize --format json` and the benchmark's records have always shown.
    @Test func stageNamesAndStatusesKeepTheirSpelling() {
        #expect(MIPStage.served(priority: 2).name == "served p2")
        #expect(MIPStage.bestEffort(priority: 0).name == "best effort p0")
        #expect(MIPStage.minShare(priority: nil).name == "round robin min share")
        #expect(MIPStage.totalShare(priority: 3).name == "round robin p3 total share")
        #expect(MIPStage.cost.name == "cost")
        typealias Outcome = MIPDiagnostics.Stage.Outcome
        #expect(Outcome(.noSolutionWithinLimit).description == "no solution within limit")
        #expect(Outcome(.error("bad row")).description == "error: bad row")
        #expect(Outcome.skipped.description == "skipped")
        #expect(MIPDiagnostics.Outcome.allCases.map(\.rawValue) == ["optimal", "feasible", "fallback"])
    }
}
