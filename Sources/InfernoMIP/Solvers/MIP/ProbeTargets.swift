import Foundation

/// The order in which ``StagedSolve/probeCounts`` tries count targets, and the bound its proofs leave. From the
/// count's bound down; after ``MIPTuning/countProbeProofsBeforeDoubling`` proofs in a row the next target is 2, 4,
/// 8, … below (proofs far above the answer, under a weak LP bound, come cheap but one server at a time), never past
/// one above the best answer's count. Once a point is found below the bound, the targets left between its count and
/// the bound, below any a probe left undecided (higher ones are harder to meet), are bisected
/// (``MIPTuning/bisectingProbes``), or else probed one by one from the bound down. An undecided target leaves the
/// bound and tries below it.
struct ProbeTargets {
    /// The largest count not yet excluded.
    private(set) var bound: Double
    /// The next target.
    private(set) var goal: Double
    let proofsBeforeDoubling: Int
    let bisects: Bool
    private var proofs = 0, step = 1.0, skipping = true, bisecting = false
    private var ceiling = Double.infinity
    private var tried: Set<Double> = []

    init(bound: Double, proofsBeforeDoubling: Int, bisects: Bool) {
        self.bound = bound
        goal = bound
        self.proofsBeforeDoubling = proofsBeforeDoubling
        self.bisects = bisects
    }

    /// Whether a target above the best answer's `count` is left.
    func open(above count: Double) -> Bool { count < goal - 0.5 }

    /// No point serves the goal; `count` is the best answer's.
    mutating func excluded(above count: Double) {
        tried.insert(goal)
        bound = min(bound, goal - 1)
        proofs += 1
        if bisecting { return bisect(above: count) }
        if skipping, proofs >= proofsBeforeDoubling { step *= 2 }
        goal = max(goal - step, min(bound, count + 1))
    }

    /// A point serving `count` (at least the goal) was found.
    mutating func found(_ count: Double) {
        tried.insert(goal)
        step = 1
        skipping = false
        if bisects {
            bisecting = true
            bisect(above: count)
        } else {
            goal = stride(from: bound, to: count + 0.5, by: -1).first { !tried.contains($0) } ?? count
        }
    }

    /// The probe of the goal neither found nor excluded a point; `count` is the best answer's.
    mutating func undecided(above count: Double) {
        tried.insert(goal)
        proofs = 0
        step = 1
        ceiling = min(ceiling, goal - 1)
        if bisecting { bisect(above: count) } else { goal -= 1 }
    }

    private mutating func bisect(above count: Double) {
        goal = ((count + 1 + min(bound, ceiling)) / 2).rounded(.down)
    }
}
