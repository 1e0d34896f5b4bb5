import Foundation

/// Formulation and staging choices of the MIP solver, each measured by the benchmark
/// (`inferno-bench mip-times --baseline`, docs/benchmark.md). The defaults are what the solver uses;
/// ``baseline`` switches every one off, which is the solver as it was before the benchmark tuned it, kept so
/// every change can be measured side by side in one run.
public struct MIPTuning: Hashable, Sendable {
    /// One-accelerator rows as equalities with an explicit idle column (see `AllocationFormulation`): works around
    /// CBC 2.10 losing the MIP start, and the whole stage, when its preprocessing adds slack columns.
    public var explicitIdle = true
    /// CBC parameters for every stage (see ``CbcSettings/parameters``). Preprocessing off: on these models
    /// CglPreProcess costs more than it saves, and it may cut off the MIP start (it fixes variables by dominance),
    /// after which CBC cannot use it ("mipstart values could not be used") and starts from nothing. Clp's presolve
    /// off: it made the largest served-stage LPs several times slower (docs/benchmark.md).
    public var cbcParameters: [String: String] = ["preprocess": "off", "presolve": "off"]
    /// Served stages break ties by cost plus penalty (`count - ε·value`): the count LP is highly degenerate
    /// (every server weighs 1) and slow to solve; the tie-break makes it behave like the cost LP and leaves a
    /// cheap answer for the stages after.
    public var servedTieBreak = true
    /// Largest value `ε·(cost plus penalty)` may take in a tie-broken served stage, below 1/2 (CBC's cutoff increment
    /// of 1/2 then tells a larger count from a cheaper answer). Below 1, so a count is never
    /// traded for cost. The count is bounded by `floor(bound + tieBreakWeight)` from CBC's bound on the tie-broken
    /// objective, so a smaller weight bounds it more tightly, but a much smaller one (0.01) left the LP as slow as no
    /// tie-break at all (docs/benchmark.md).
    public var tieBreakWeight = 0.4
    /// A served stage pins lower-priority servers to nothing, and the partial service (best-effort policies) of
    /// its level and lower ones, or of every server when best effort follows all served stages, to none: either can
    /// always be dropped without serving fewer, so the stage's optimum is unchanged, and CBC sees a smaller model.
    public var restrictServedStages = true
    /// After a served stage, greedy gives servers that have nothing what fits in the capacity left: the next
    /// stage starts from there.
    public var fillAfterServedStages = true
    /// Before the full MIP of a stage, solve its LP relaxation, round it (with greedy and a repair for the few
    /// fractional servers) and improve that by RINS; stop there when it is within the gap of the LP bound.
    public var lpAndFix = true
    /// Before LP and fix, a stage whose free servers only choose among full-service columns (policy `None`; served
    /// stages whose partial service is all pinned, docs/optimizer.md), or partial service too with
    /// ``pricedPartials``, is bounded by the Lagrangian dual over its linking rows and rounded from its prices
    /// (``ChoiceRelaxation``); a served stage then probes the counts above its answer (``StagedSolve/probeCounts``).
    /// CBC's LP runs only after a CBC failure, or for a stage other than a served one whose column generation did not
    /// converge. Measured against the LP path side by side in docs/benchmark.md ("Priced stages", "Exact counts").
    public var choiceRelaxation = true
    /// Column-generation rounds for that bound: a work limit (each round is one pass over the servers' choices and
    /// a re-solve of a master LP of a few dozen rows), the same on every machine.
    public var choiceRelaxationRounds = 300
    /// The column generation also stops once the stage's start is within its gap of the bound so far (a served
    /// stage: at its count's bound); the stage then ends at its start, as it would after converging.
    public var settledPricingStop = true
    /// Share of a stage's time the column generation may take before it stops unconverged (the clock's guard, so
    /// only a stage stopped by it depends on the machine).
    public var choiceRelaxationTimeShare = 0.25
    /// Blocks per priority level in that column generation's master (each a convexity row of its own).
    public var choiceRelaxationBlocks = 4
    /// A priced stage whose bound converged and whose answer is not within the gap of it ends with CBC's search over
    /// this many of its least certain servers (the others pinned), with a node limit as well as the time.
    public var choiceSearchServers = 2000
    public var choiceSearchNodes = 500
    /// A priced stage other than a served one still short of its gap after those searches gets CBC's search over
    /// all of its free servers, under the same node limit by work, when they are at most this many (its root LP
    /// takes seconds beyond).
    public var choiceWholeSearchServers = 8000
    /// Counts a priced served stage probes at most (``StagedSolve/probeCounts``), each a CBC search over the
    /// servers reduced-cost fixing leaves free, under a node limit by `countProbeWork`.
    public var countProbes = 32
    /// Targets whose probes neither find nor exclude a point before the probing stops.
    public var countProbesUnknown = 2
    /// After this many proofs in a row the probes' target drops by doubling steps: a four-class stage whose LP bound
    /// was 80 servers above its answer spent its time proving 25 targets one by one (docs/benchmark.md, "Merged
    /// probes").
    public var countProbeProofsBeforeDoubling = 6
    /// Once a probe found a point below the bound (targets were skipped), the targets left between its count and
    /// the bound are bisected, rather than probed one by one from the bound down, where proofs near the optimum
    /// cost seconds each (docs/benchmark.md, "The repair at scale, and bisecting probes").
    public var bisectingProbes = true
    /// A target one server above the best answer gets CBC's heuristic retry only when its probe leaves at most this
    /// many servers a choice: the retry's feasibility pump grows with them, and on these targets mostly found nothing
    /// (docs/benchmark.md, "One server short").
    public var heuristicProbeOneShortServers = 1000
    /// A quick probe (CBC without its heuristics) that leaves more than `largeQuickProbeServers` servers a choice
    /// stops after `largeQuickProbeNodes` nodes: its proofs come at the root, by strong branching, and at that size
    /// the nodes after it cost 0.1–0.4 s and rarely found a point (docs/benchmark.md, "Large quick probes").
    public var largeQuickProbeServers = 1000
    /// The node limit of such a probe (4 still found the one point the nodes found in the runs traced).
    public var largeQuickProbeNodes = 4
    /// A probe leaving more servers than this with a choice to make runs over the merged model (``mergedProbes``),
    /// or not at all.
    public var countProbeServers = 2000
    /// Work of one CBC search over a neighbourhood of a priced stage, in server-nodes: its node limit is this divided
    /// by the servers it leaves free, at most `choiceSearchNodes`. A node's LP grows with the servers in it, so the
    /// limit bounds the work rather than the count of nodes.
    public var choiceSearchWork = 100_000
    /// The same for one probe of a count (``countProbes``): less, as a probe that proves anything mostly does so in
    /// a few nodes.
    public var countProbeWork = 30_000
    /// Fractional servers a priced stage's rounding fixes one by one, solving the core LP again after each.
    public var choiceDiveSteps = 12
    /// The same for a priced served stage whose rounding the repair could not make feasible, first thing after it,
    /// when the largest server the LP split is large (a choice using more than `roomDiveShare` of a linking row's
    /// bound, e.g. of a GPU type's cards), with room made around each server fixed
    /// (``StagedSolve/roomMakers(_:group:choice:agreed:target:)``): each step's LP frees the servers sharing a row
    /// with the fixed choice (its GPU type's cards, its level's count) and all the stage counts, seconds at 10,000
    /// servers. 0 leaves such a stage to RINS and the searches from the previous stage's answer.
    public var roomDiveSteps = 1
    /// What makes a split server large for that dive; a smaller share dove where a few small servers were split on
    /// 10,000-server fleets, for seconds and nothing gained (docs/benchmark.md, "Room for a large server").
    public var roomDiveShare = 0.01
    /// A priced served stage whose rounding falls short of its count's bound is searched by CBC with its
    /// interchangeable servers merged (``MergedCounts``): one integer column per kind of server and choice instead of
    /// a binary per server and choice, so CBC's search does not explore swaps of equal servers.
    public var mergedCounts = true
    /// When the merged model has at most this many columns (2,000-server fleets: 1,100–3,100) the merged search comes
    /// right after the rounding (and its RINS, where the rounding was feasible), and a count it proves ends the
    /// stage; otherwise the room dive, RINS, searches and probes follow as without it. A larger merged model (10,000
    /// servers: 6,300–7,100 columns) is searched last, when those end short of the bound: first, its 500 nodes took
    /// 2–2.8 s there, proved one stage in six, and the searches after it ended lower on three (docs/benchmark.md,
    /// "Merged servers").
    public var mergedSearchFirstColumns = 4000
    /// A stage after the served ones (the cost) whose rounding broke a served count, where RINS from its start did
    /// not reach the gap, gets a point with the counts from the merged model, near the rounding, and RINS from there
    /// (``StagedSolve/mergedCompletion``).
    public var mergedCompletion = true
    /// How far from the rounding's counts (servers per kind and choice) the completion's first search may go: at 2
    /// it found no point on two of four 10,000-server cost stages, at 4 on one (docs/benchmark.md).
    public var mergedCompletionBox = 4
    /// A priced stage after the served ones (the cost) still outside its gap after its rounding, RINS and the
    /// completion searches its servers merged by rows and cost (``StagedSolve/mergedCostSearch``), before its
    /// neighbourhood searches.
    public var mergedCost = true
    /// Node limit of that search (work; the stage's time stays the outer guard).
    public var mergedCostNodes = 200
    /// Node limit of the merged search: work, the same on every machine (the stage's time stays the outer guard).
    public var mergedSearchNodes = 500
    /// A count probe that leaves more than ``countProbeServers`` servers free runs over the merged model
    /// (``StagedSolve/mergedProbe``) instead of being skipped.
    public var mergedProbes = true
    /// Node limit of one merged probe (work; the stage's time stays the outer guard).
    public var mergedProbeNodes = 500
    /// Merged probes of a served stage's counts from the bound down, before the merged search where it comes
    /// first (``StagedSolve/earlyMergedProbes``): at most this many targets (0: none)…
    public var earlyMergedProbes = 2
    /// …each only while reduced-cost fixing keeps at most this share of the merged model's columns: one that kept
    /// 2,941 of 3,111 ran its 500 nodes for 4.65 s and found nothing (docs/benchmark.md, "Merged probes first").
    public var earlyProbeColumnShare = 0.5
    /// A served stage with partial choices gets CBC's merged search with every server's partial service held where
    /// the best answer has it (``StagedSolve/partialsHeldSearch``): points, not proofs.
    public var partialsHeldSearch = true
    /// Its node limit (work): it looks for points only; at 100 nodes it spent 1.3–1.9 s where it found none, and at
    /// 20 it found every point it had found at 100 (docs/benchmark.md, "Merged probes first").
    public var partialsHeldNodes = 20
    /// Where a merged search or probe serves more than the answer before it, CBC first searches the least certain
    /// servers from that answer for a first point serving as many (``StagedSolve/searchNear``), and only without
    /// one takes the merged point and polishes it. Without it the costs after moved by up to 0.2% both ways and the
    /// slowest solve was no faster (docs/benchmark.md, "Candidates: a search from below").
    public var mergedSearchNear = true
    /// A merged probe maximises the stage's tie-broken values (each column its members' mean) under its count row,
    /// rather than the count alone.
    public var mergedProbeTieBreak = true
    /// Share of a stage's remaining time the probes may take when they come first (a merged model larger than
    /// ``mergedSearchFirstColumns``). At half, a four-class stage's one probe that found its bound was stopped at
    /// 1.95 s of the 2.66 s it needed (docs/benchmark.md, "The repair at scale, and bisecting probes").
    public var earlyProbeTimeShare = 0.75
    /// Work, in server-nodes, of the CBC search that gives a larger count the merged search found a cheap tie-break,
    /// where no point at that count was found from the answer before it: over the servers where the two differ, with
    /// the count fixed (``MergedCounts``).
    public var mergedPolishWork = 10_000
    /// Share of the remaining time a stage other than the last (cost) may use; and a stage whose LP is expected to
    /// outlast the time left keeps its best answer instead. 1 lets an early stage use it all and always solves.
    public var stageTimeShare = 0.5
    /// Share of the solve's time limit that CBC is told to leave unused, so that a search it overruns still ends
    /// the solve within the limit (``TimeBudget/cbcDeadline``). The stages' shares and skips are not affected.
    public var cbcTimeReserve = 0.05
    /// A stage's full LP (its relaxation, or CBC's search, which starts with it) does not start when it is
    /// expected to outlast the solve's time, estimated from the largest LP so far where no earlier stage solved
    /// one (``StageState/lpEstimate``).
    public var guardedRelaxation = true
    /// A core LP sets the pace for that estimate only when it took at least this long: in shorter ones CBC's fixed
    /// costs dominate, and scaled up they mislead (a one-server core LP predicted 221 s for a 0.17 s LP).
    public var lpPaceMinSeconds = 0.1
    /// Stages pin the partial service of servers a fixed served count already requires fully served
    /// (``StagedSolve/settledPartials(_:)``): under the priority policies a later served stage is then a multiple
    /// choice one, priced instead of solved as an LP.
    public var pinSettledPartials = true
    /// Price stages with partial service free (the best-effort and cost stages of the best-effort policies, and
    /// under the priority policies a served stage below a level that keeps its partial service): each server's
    /// partial service on a candidate is a choice at its most replicas (and at none where that is worth more than
    /// nothing), and the stage is bounded and rounded as a multiple-choice one (``ChoiceRelaxation``) instead of
    /// solved as an LP, which at 5,000 servers and more did not fit in the limit and was skipped
    /// (docs/benchmark.md, "Priced partial service").
    public var pricedPartials = true
    /// Leave pinned columns out of the problem CBC gets (see `LinearModel.reduced`), rather than passing them with
    /// equal bounds: with presolve off, CBC would carry them through every LP.
    public var dropPinnedColumns = true

    public init() {}

    /// The solver before tuning.
    public static var baseline: MIPTuning {
        var t = MIPTuning()
        t.explicitIdle = false
        t.cbcParameters = [:]
        t.servedTieBreak = false
        t.restrictServedStages = false
        t.fillAfterServedStages = false
        t.lpAndFix = false
        t.choiceRelaxation = false
        t.stageTimeShare = 1
        t.dropPinnedColumns = false
        t.cbcTimeReserve = 0
        t.guardedRelaxation = false
        t.pinSettledPartials = false
        t.pricedPartials = false
        return t
    }
}
