import Foundation
import Testing
@testable import InfernoMIP

/// ``StagedSolve/mergedCompletion`` against enumeration: the cost stage of small saturated instances, its served
/// counts fixed at their lexicographic optimum, started from an optimal point with one served server dropped (a
/// rounding its repair could not restore).
@Suite struct MergedCompletionTests {
    static func driver(_ problem: OptimizationProblem, tuning: MIPTuning) -> StagedSolve {
        StagedSolve(servers: problem.servers, options: problem.options, cards: problem.cards(of:),
                    assembler: SolutionAssembler(problem: problem), tuning: tuning,
                    solveStage: { CbcSolver().solve($0, settings: $1) })
    }

    /// The cost stage: every level's count fixed at its best given the levels above (as the served stages leave
    /// them), cost plus penalty minimised.
    static func costStage(_ d: StagedSolve) -> StageState {
        var state = d.initialState(start: nil)
        for level in d.levels {
            let count = state.formulation.servedCount(d.byLevel[level] ?? [])
            let best = ChoiceRelaxationTests.enumerate(state.formulation) { count.value($0) }.score
            state.formulation.model.add(count >= best, "stage served p\(level)")
            state.requiredServed[level] = Int(best.rounded())
        }
        state.formulation.model.objective = state.formulation.value()
        state.formulation.model.sense = .minimize
        return state
    }

    /// From an optimal point with one served server dropped, and no answer before it, the completion finds a point
    /// that satisfies every row of the stage (so never one cheaper than its optimum), and on some instances the
    /// optimum itself. With a box of 0 the first search has only the short point's own counts, which break a row,
    /// so the search without the box is what finds it.
    @Test(arguments: [0, 4])
    func completionRestoresTheCountsFromAShortPoint(box: Int) throws {
        var tuning = MIPTuning()
        tuning.mergedCompletionBox = box
        var optimal = 0
        for seed in UInt64(1)...40 {
            let tightness = 1.2 + Double(seed % 3) * 0.15
            let problem = Instances.randomProblem(seed: seed &* 104_729, servers: 6, types: 2 + Int(seed % 2),
                                                  priorities: 1 + Int(seed % 2), tightness: tightness,
                                                  options: MIPSolverTests.exact)
            let d = Self.driver(problem, tuning: tuning)
            var state = Self.costStage(d)
            let f = state.formulation
            let cost = f.model.objective
            let truth = ChoiceRelaxationTests.enumerate(f) { -cost.value($0) }
            // Dropping a served server of the lowest level that has one breaks that level's count.
            let served = d.servers.indices.filter { s in
                f.choiceColumns(of: s)?.choices.contains { truth.point[$0] > 0.5 } ?? false
            }
            let dropped = try #require(served.max { (d.servers[$0].priority, $0) < (d.servers[$1].priority, $1) })
            var short = truth.point
            for c in f.choiceColumns(of: dropped)?.choices ?? [] { short[c] = 0 }
            f.refreshIdle(&short)
            #expect(!f.model.violations(short).isEmpty, "seed \(seed): dropping a server broke nothing")
            let relaxation = try #require(ChoiceRelaxation(f, pinned: [:]))
            d.mergedCompletion(short, relaxation, fixed: [:],
                               settings: CbcSettings(timeLimitSeconds: 10, relativeGap: 0),
                               budget: TimeBudget(clock: WallClock(), seconds: 10), &state)
            guard let point = state.point else {
                Issue.record("seed \(seed): no point with the counts, steps \(state.steps)")
                continue
            }
            let searches = state.steps.filter { if case .merged = $0 { true } else { false } }.count
            #expect(searches == (box == 0 ? 2 : 1), "seed \(seed): \(state.steps)")
            #expect(f.model.violations(point).isEmpty, "seed \(seed): \(f.model.violations(point))")
            #expect(cost.value(point) >= -truth.score - 1e-6, "seed \(seed): below the optimum")
            if abs(cost.value(point) + truth.score) < 1e-6 { optimal += 1 }
        }
        #expect(optimal > 0)
    }

    /// The completion's second search (without the box, after the first found nothing) is limited by the clock when
    /// it starts, and not started once the budget is spent: each CBC call here takes 3 s (or 10 s) on a scripted
    /// clock of a 10-s budget. Given the first search's limit again, it ran a 5,000-server solve past its deadline.
    @Test(arguments: [3.0, 10.0])
    func theSecondCompletionSearchGetsWhatIsLeft(seconds: Double) throws {
        final class Calls: @unchecked Sendable {
            let lock = NSLock()
            var limits: [Double] = []
            func record(_ limit: Double?) { lock.lock(); limits.append(limit ?? .infinity); lock.unlock() }
        }
        let clock = ScriptedClock(), calls = Calls()
        var tuning = MIPTuning()
        tuning.mergedCompletionBox = 0
        var checked = 0
        for seed in UInt64(1)...10 {
            let problem = Instances.randomProblem(seed: seed &* 104_729, servers: 6, types: 2 + Int(seed % 2),
                                                  priorities: 1 + Int(seed % 2), tightness: 1.2 + Double(seed % 3) * 0.15,
                                                  options: MIPSolverTests.exact)
            let d = StagedSolve(servers: problem.servers, options: problem.options, cards: problem.cards(of:),
                                assembler: SolutionAssembler(problem: problem), tuning: tuning,
                                solveStage: { p, settings in
                                    calls.record(settings.timeLimitSeconds)
                                    clock.advance(seconds)
                                    return CbcSolver().solve(p, settings: settings)
                                })
            var state = Self.costStage(d)
            let f = state.formulation
            let best = ChoiceRelaxationTests.enumerate(f) { -f.model.objective.value($0) }.point
            let dropped = try #require(d.servers.indices.filter { s in
                f.choiceColumns(of: s)?.choices.contains { best[$0] > 0.5 } ?? false
            }.max { (d.servers[$0].priority, $0) < (d.servers[$1].priority, $1) })
            var short = best
            for c in f.choiceColumns(of: dropped)?.choices ?? [] { short[c] = 0 }
            f.refreshIdle(&short)
            let relaxation = try #require(ChoiceRelaxation(f, pinned: [:]))
            calls.limits = []
            d.mergedCompletion(short, relaxation, fixed: [:], settings: CbcSettings(timeLimitSeconds: 10, relativeGap: 0),
                               budget: TimeBudget(clock: clock, seconds: 10), &state)
            let searches = state.steps.filter { if case .merged = $0 { true } else { false } }.count
            if seconds >= 10 {
                #expect(searches == 1, "seed \(seed): \(state.steps)")
            } else {
                #expect(searches == 2, "seed \(seed): \(state.steps)")
                #expect(calls.limits.count >= 2 && abs(calls.limits[0] - 10) < 1e-9 && abs(calls.limits[1] - 7) < 1e-9,
                        "seed \(seed): limits \(calls.limits)")
            }
            checked += 1
        }
        #expect(checked == 10)
    }
}

