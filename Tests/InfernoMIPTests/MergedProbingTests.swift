import Foundation
import Testing
@testable import InfernoMIP

/// ``StagedSolve/mergedProbe`` against enumeration: the count probes of small served stages with twin servers
/// (``MergedCountsTests``), every probe over the merged model.
@Suite struct MergedProbingTests {
    /// One instance's served stage (``MergedCountsTests``), probed from its worst feasible assignment.
    struct Probed {
        var f: AllocationFormulation
        var count: LinearExpression
        /// The enumerated best count, and the count at the start.
        var truth: Double
        var start: Double
        var state: StageState
        var bound: Double
    }

    /// Probes instance `seed` with `tuning` (in the `early` mode when given): the stage's tie-break (0.001 of the
    /// value) at its largest is the count target's slack.
    static func probe(seed: UInt64, tuning: MIPTuning, early: (probes: Int, columns: Int)? = nil) throws -> Probed {
        let problem = MergedCountsTests.twins(seed: seed)
        let (f, count) = MergedCountsTests.stage(problem)
        let truth = ChoiceRelaxationTests.enumerate(f) { count.value($0) }.score
        let worst = ChoiceRelaxationTests.enumerate(f) { -count.value($0) }.point
        let slack = 0.001 * ChoiceRelaxationTests.enumerate(f) { f.value().value($0) }.score + 1e-9
        try #require(slack < 1, "seed \(seed): tie-break \(slack)")
        let target = CountTarget(count: count, slack: slack)
        let relaxation = try #require(ChoiceRelaxation(f, pinned: [:]))
        let best = try #require(relaxation.bound(start: [relaxation.choices(at: worst)], rounds: 500,
                                                 tolerance: 1e-9))
        let bound = target.bound(relaxation.sign * best.value)
        let d = MergedCompletionTests.driver(problem, tuning: tuning)
        var state = StageState(formulation: f, point: worst)
        let probed = d.probeCounts(relaxation, best, target,
                                   StagedSolve.Certificate(objective: count, bound: bound, tolerance: 0),
                                   merged: MergedCounts(relaxation, count: count), x: worst,
                                   loose: Array(relaxation.groups.indices)[...], fixed: [:],
                                   settings: CbcSettings(timeLimitSeconds: 10, relativeGap: 0),
                                   budget: TimeBudget(clock: WallClock(), seconds: 10), early: early, &state)
        return Probed(f: f, count: count, truth: truth, start: count.value(worst), state: state, bound: probed.bound)
    }
    /// From each instance's worst feasible assignment, with every probe over the merged model
    /// (``MIPTuning/countProbeServers`` 0): the probing ends at the enumerated best count and its bound is that count
    /// (a proof that excluded the best count would leave the bound below it), the answer satisfying every row. The
    /// stage's tie-break (its value) makes twins' reduced values differ, so a kind's columns are what any member may
    /// take. With `doubling` 1 the targets skip after the first proof, and those skipped above a point found are
    /// probed after it, bisected or (`bisecting` off) one by one from the bound: the same end. (On these small
    /// stages the two orders probe the same targets; ``ProbeTargetsTests`` checks the order itself.)
    @Test(arguments: [(1, true), (3, true), (1, false)])
    func mergedProbesReachAndProveTheBestCount(doubling: Int, bisecting: Bool) throws {
        var tuning = MIPTuning()
        tuning.countProbeServers = 0
        tuning.countProbeProofsBeforeDoubling = doubling
        tuning.bisectingProbes = bisecting
        var improved = 0, probes = 0, skipped = 0
        for seed in UInt64(1)...40 {
            let run = try Self.probe(seed: seed, tuning: tuning)
            let (f, count, truth, state) = (run.f, run.count, run.truth, run.state)
            let point = try #require(state.point)
            #expect(f.model.violations(point).isEmpty, "seed \(seed): \(f.model.violations(point))")
            #expect(abs(count.value(point) - truth) < 1e-6,
                    "seed \(seed): count \(count.value(point)), best \(truth), steps \(state.steps)")
            #expect(abs(run.bound - truth) < 1e-6, "seed \(seed): bound \(run.bound), best \(truth)")
            if truth > run.start + 0.5 { improved += 1 }
            let targets = state.steps.compactMap { if case .mergedProbe(let t, _, _, _) = $0 { t } else { nil } }
            probes += targets.count
            if zip(targets, targets.dropFirst()).contains(where: { $0 - $1 > 1 }) { skipped += 1 }
        }
        // The probes did the work: most instances started below their best count.
        #expect(improved > 20)
        #expect(probes >= improved)
        // Doubling from the first proof skipped targets on some instances.
        if doubling == 1 { #expect(skipped > 0) }
    }

    /// The early merged probes (``StagedSolve/earlyMergedProbes``, the `early` mode of ``StagedSolve/probeCounts``)
    /// on the same 40 instances from their worst assignment: over the merged model only, at most the given number
    /// of targets, each only while fixing keeps at most the given columns. Whatever they prove leaves the best count
    /// within the bound, and a point they find reaching the bound is the best count. With no columns allowed CBC
    /// never runs (only targets some server has no choice for are excluded); with any number allowed, the probes
    /// settle some instances outright.
    @Test(arguments: [0, Int.max])
    func earlyProbesKeepTheBestCountWithinTheirBound(columns: Int) throws {
        var settled = 0, cbcProbes = 0
        for seed in UInt64(1)...40 {
            let run = try Self.probe(seed: seed, tuning: MIPTuning(), early: (probes: 2, columns: columns))
            let (f, count, truth, state) = (run.f, run.count, run.truth, run.state)
            let point = try #require(state.point)
            #expect(f.model.violations(point).isEmpty, "seed \(seed): \(f.model.violations(point))")
            #expect(count.value(point) <= truth + 1e-6 && run.bound >= truth - 1e-6,
                    "seed \(seed): count \(count.value(point)), bound \(run.bound), best \(truth)")
            let probes = state.steps.filter { if case .mergedProbe = $0 { true } else { false } }.count
            // Never a probe over the servers (a point found is taken as the merged search's: a search near the
            // answer before, and a polish).
            let overServers = state.steps.contains { if case .countProbe = $0 { true } else { false } }
            #expect(probes <= 2 && !overServers, "seed \(seed): \(state.steps)")
            if columns == 0 { #expect(probes == 0, "seed \(seed): \(state.steps)") }
            cbcProbes += probes
            if count.value(point) >= run.bound - 1e-6 {
                #expect(abs(count.value(point) - truth) < 1e-6, "seed \(seed): \(count.value(point)) of \(truth)")
                if truth > run.start + 0.5 { settled += 1 }
            }
        }
        if columns > 0 {
            #expect(cbcProbes > 0)
            #expect(settled > 0)
        }
    }
}

