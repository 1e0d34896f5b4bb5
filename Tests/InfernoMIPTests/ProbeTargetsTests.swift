import Testing
@testable import InfernoMIP

/// ``ProbeTargets`` against an oracle with a known optimum: a target is met exactly when it is at most the optimum.
@Suite struct ProbeTargetsTests {
    /// Runs the targets from `bound` and a best answer of `start` until none is left or `limit` probes; a probe of
    /// `goal` ≤ `optimum` finds a point serving `found(goal)`, one in `undecided` neither finds nor excludes, any
    /// other is proven infeasible. Returns the best count, the bound, and the probes.
    static func run(bound: Double, start: Double, optimum: Double, doubling: Int, bisects: Bool,
                    undecided: ClosedRange<Double>? = nil, limit: Int = 1000,
                    found: (Double) -> Double = { $0 }) -> (count: Double, bound: Double, probes: Int) {
        var targets = ProbeTargets(bound: bound, proofsBeforeDoubling: doubling, bisects: bisects)
        var count = start, probes = 0
        while targets.open(above: count), probes < limit {
            probes += 1
            let goal = targets.goal
            if undecided?.contains(goal) == true {
                targets.undecided(above: count)
            } else if goal <= optimum {
                count = max(count, found(goal))
                targets.found(count)
            } else {
                targets.excluded(above: count)
            }
        }
        return (count, targets.bound, probes)
    }

    /// From any bound at or above the optimum and any start below it, with points found exactly at the target or at
    /// the optimum: the probing ends with the optimum found and proven (its bound), bisecting or not, doubling after
    /// one proof or six.
    @Test func theProbingEndsAtTheOptimumWithItAsTheBound() {
        for optimum in [0.0, 1, 7, 40, 670, 1708] {
            for above in [0.0, 1, 3, 80, 345] {
                for below in [1.0, 2, 5, 64, 1670] where below <= optimum + 1 {
                    for doubling in [1, 6] {
                        for bisects in [true, false] {
                            for exact in [true, false] {
                                let r = Self.run(bound: optimum + above, start: optimum - below, optimum: optimum,
                                                 doubling: doubling, bisects: bisects,
                                                 found: { exact ? $0 : optimum })
                                let label = "optimum \(optimum) +\(above) −\(below) doubling \(doubling) "
                                    + "bisects \(bisects) exact \(exact)"
                                #expect(r.count == optimum, "\(label): count \(r.count)")
                                #expect(r.bound == optimum, "\(label): bound \(r.bound)")
                            }
                        }
                    }
                }
            }
        }
    }

    /// The outlier's fourth class in shape (a bound 345 above an optimum of 42, a start of 20, points found exactly at
    /// their target): six proofs one by one, nine doubling steps down to the start (387 − 21 < 2⁹), then bisection
    /// of what the proofs left above the point (at most 2⁷ targets): at most 6 + 9 + 7 + 1 probes. One by one from
    /// the bound instead, every target from the last proof's bound (127) down to 43 is proven on its own.
    @Test func bisectingTakesLogarithmicallyManyProbes() {
        let bisecting = Self.run(bound: 387, start: 20, optimum: 42, doubling: 6, bisects: true)
        let oneByOne = Self.run(bound: 387, start: 20, optimum: 42, doubling: 6, bisects: false)
        #expect(bisecting.bound == 42 && oneByOne.bound == 42)
        #expect(bisecting.probes <= 6 + 9 + 7 + 1, "bisecting: \(bisecting.probes) probes")
        #expect(oneByOne.probes >= 127 - 43 + 1, "one by one: \(oneByOne.probes) probes")
    }

    /// Undecided targets next to the optimum: the bound never drops below the optimum (no proof excludes a count a
    /// point serves), no target above an undecided one is tried again, and the best count stays at most the optimum.
    @Test func undecidedTargetsNeverCostTheOptimumItsBound() {
        for bisects in [true, false] {
            for band in [40.0...42, 42.0...43, 41.0...41] {
                let r = Self.run(bound: 387, start: 20, optimum: 42, doubling: 6, bisects: bisects, undecided: band,
                                 limit: 200)
                #expect(r.bound >= 42, "bisects \(bisects) band \(band): bound \(r.bound)")
                #expect(r.count <= 42)
            }
        }
    }
}
