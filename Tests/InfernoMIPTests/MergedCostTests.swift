import Foundation
import Testing
@testable import InfernoMIP

/// ``StagedSolve/mergedCostSearch`` against enumeration: the cost stage of small instances with twin servers (as in
/// ``MergedCountsTests``), its served counts fixed at their lexicographic optimum, started from its dearest feasible
/// answer.
@Suite struct MergedCostTests {
    /// Servers of a kind have the same value on every choice, so the merged model is the stage's own: with no gap,
    /// its answer, split back, has the enumerated optimum and satisfies every row. Twins merge: fewer kinds than
    /// servers on some instances.
    @Test func mergedCostSearchReachesTheEnumeratedOptimum() throws {
        var merged = 0
        for seed in UInt64(1)...40 {
            let problem = MergedCountsTests.twins(seed: seed &* 7_919, options: MIPSolverTests.exact)
            let d = MergedCompletionTests.driver(problem, tuning: MIPTuning())
            var state = MergedCompletionTests.costStage(d)
            let f = state.formulation
            let cost = f.model.objective
            let cheapest = ChoiceRelaxationTests.enumerate(f) { -cost.value($0) }
            let dearest = ChoiceRelaxationTests.enumerate(f) { cost.value($0) }
            state.point = dearest.point
            let relaxation = try #require(ChoiceRelaxation(f, pinned: [:]))
            d.mergedCostSearch(relaxation, fixed: [:], settings: CbcSettings(timeLimitSeconds: 10, relativeGap: 0),
                               budget: TimeBudget(clock: WallClock(), seconds: 10), &state)
            let point = try #require(state.point)
            #expect(f.model.violations(point).isEmpty, "seed \(seed): \(f.model.violations(point))")
            #expect(abs(cost.value(point) + cheapest.score) < 1e-6,
                    "seed \(seed): \(cost.value(point)) against the optimum \(-cheapest.score), steps \(state.steps)")
            if case let .merged(servers, kinds, _, _, _, _)? = state.steps.last, kinds < servers { merged += 1 }
        }
        #expect(merged > 0)
    }
}
