import Foundation

/// The lexicographic driver for one component: runs the ``MIPStage``s in order on an ``AllocationFormulation``
/// (which declares the variables and rows; the driver only adds each stage's fixed optimum). What the stages share
/// is in ``StageState``; a stage's solve and time guard are in StageSolve.swift, its LP and fix in RelaxAndFix.swift.
struct StagedSolve {
    let servers: [ServerCandidates]
    let options: OptimizerOptions
    let cards: (String) -> Int
    let assembler: SolutionAssembler
    let logLevel: Int
    /// Prefixes stage names when there are several components (`component 2/3: `).
    let label: String
    let tuning: MIPTuning
    let solveStage: @Sendable (MIPProblem, CbcSettings) -> MIPResult
    /// Priority levels, highest first (smallest number), and each level's servers (indices into `servers`).
    let levels: [Int]
    let byLevel: [Int: [Int]]

    init(servers: [ServerCandidates], options: OptimizerOptions, cards: @escaping (String) -> Int,
         assembler: SolutionAssembler, logLevel: Int = 0, label: String = "", tuning: MIPTuning = MIPTuning(),
         solveStage: @escaping @Sendable (MIPProblem, CbcSettings) -> MIPResult) {
        self.servers = servers
        self.options = options
        self.cards = cards
        self.assembler = assembler
        self.logLevel = logLevel
        self.label = label
        self.tuning = tuning
        self.solveStage = solveStage
        levels = Set(servers.map(\.priority)).sorted()
        byLevel = Dictionary(grouping: servers.indices, by: { servers[$0].priority })
    }

    struct Outcome {
        var placements: [String: [Placement]]?
        var stages: [MIPDiagnostics.Stage]
        var limited: Bool
        /// Why there is no answer; or, with one, the stage that failed after the stages whose answer it is.
        var failure: String?
    }

    /// The formulation of these servers, with the greedy start mapped onto it (nil if it breaks a row).
    func initialState(start: [String: [Placement]]?) -> StageState {
        let formulation = AllocationFormulation(servers: servers, options: options, cards: cards, tuning: tuning)
        var point = start.flatMap { formulation.point(for: $0, solutionStatus: assembler.isFullyServed) }
        if let p = point, !formulation.model.violations(p).isEmpty { point = nil }
        return StageState(formulation: formulation, point: point)
    }

    func run(start: [String: [Placement]]?, budget: TimeBudget) -> Outcome {
        var state = initialState(start: start)
        // 1. Fully served servers, level by level; under the priority policies each level's best effort right after
        // its count, before any lower level is allocated (docs/optimizer.md, "Stages").
        let interleaved = options.saturationPolicy.bestEffortByLevel
        for level in levels {
            if let failure = served(level: level, &state, budget: budget) {
                return Outcome(placements: nil, stages: state.stages, limited: state.limited, failure: failure)
            }
            if interleaved, !bestEffort(level: level, &state, budget: budget) { return done(state, failed: true) }
        }
        // 2. Best effort after every served stage (None: none; RoundRobin: max-min over all servers).
        if !interleaved, !bestEffortAfterServed(&state, budget: budget) { return done(state, failed: true) }
        // 3. Cost plus transition penalty.
        let costSolved = solve(StageRequest(stage: .cost, objective: state.formulation.value(), sense: .minimize,
                                            integral: false, withoutPartials: settledPartials(state)),
                               &state, budget: budget)
        return done(state, failed: !costSolved)
    }

    /// The served stage of `level`, then the idle fill; the failure when CBC returned no answer.
    func served(level: Int, _ state: inout StageState, budget: TimeBudget) -> String? {
        let members = byLevel[level] ?? []
        let objective = state.formulation.servedCount(members)
        let reachable = Double(members.filter { state.formulation.canBeServed($0) }.count)
        if let p = state.point, objective.value(p) >= reachable - 0.5 {
            fixWithoutSolving(.served(priority: level), objective, reachable, &state)
            return nil
        }
        let request = StageRequest(
            stage: .served(priority: level), objective: objective, sense: .maximize, integral: true,
            tieBreak: tuning.servedTieBreak ? state.formulation.value() : nil,
            excluded: tuning.restrictServedStages ? lowerPriorities(than: level) : [],
            withoutPartials: tuning.restrictServedStages ? partialsPinnedInServedStage(level) + settledPartials(state) : [])
        if !solve(request, &state, budget: budget) {
            return "stage \(request.stage.name): \(state.stages.last?.status ?? "")"
        }
        if tuning.fillAfterServedStages { fillIdle(&state) }
        return nil
    }

    /// Servers whose partial service a served stage at `level` pins to none (it can always be dropped without
    /// serving fewer): every server when best effort follows all served stages; otherwise `level` and lower, since
    /// the best effort of higher levels is already a fixed row.
    func partialsPinnedInServedStage(_ level: Int) -> [Int] {
        options.saturationPolicy.bestEffortByLevel ? servers.indices.filter { servers[$0].priority >= level }
                                                   : Array(servers.indices)
    }

    /// Servers whose partial service the fixed rows already rule out: those that can be fully served, of a level
    /// whose fixed served count is all of them. Each must then be fully served, and a server's full and partial
    /// service exclude each other (its assignment row), so pinning their partial columns changes no answer; a stage
    /// left with choice columns only takes the priced path instead of the LP (docs/optimizer.md, "Making it fast and
    /// safe").
    func settledPartials(_ state: StageState) -> [Int] {
        guard tuning.pinSettledPartials else { return [] }
        return levels.flatMap { level -> [Int] in
            let members = (byLevel[level] ?? []).filter { state.formulation.canBeServed($0) }
            guard let required = state.requiredServed[level], required >= members.count else { return [] }
            return members
        }
    }

    /// Servers of a lower priority than `level` (a larger number).
    func lowerPriorities(than level: Int) -> [Int] {
        servers.indices.filter { servers[$0].priority > level }
    }

    /// The stage's optimum is already known when the current answer reaches the stage's upper bound.
    func fixWithoutSolving(_ stage: MIPStage, _ objective: LinearExpression, _ value: Double, _ state: inout StageState) {
        if let level = stage.servedPriority { state.requiredServed[level] = Int(value.rounded()) }
        state.formulation.model.add(objective >= value.rounded(), "stage \(stage.name)")
        state.stages.append(.init(name: label + stage.name, stage: stage, outcome: .optimal, objective: value,
                                  bestBound: value, gap: 0, seconds: 0))
    }

    /// The answer so far. `failed`: the last stage returned no answer (CBC failed), named in `failure` while the
    /// answer of the stages before it stands.
    private func done(_ state: StageState, failed: Bool = false) -> Outcome {
        guard let point = state.point else {
            return Outcome(placements: nil, stages: state.stages, limited: state.limited, failure: "no solution")
        }
        let failure = failed ? state.stages.last.map { "stage \($0.name): \($0.status)" } ?? "a stage failed" : nil
        return Outcome(placements: state.formulation.placements(at: point), stages: state.stages, limited: state.limited,
                       failure: failure)
    }
}

/// What the stages of one component share, in the order they run.
struct StageState {
    /// Variables and rows; each solved stage adds the row that fixes its optimum.
    var formulation: AllocationFormulation
    /// The best answer so far (one value per column), the start of the next stage; nil when there is none.
    var point: [Double]?
    /// The greedy answer stays a candidate start for every stage it still satisfies: a stage that stops at its
    /// limit then never ends below greedy on the objectives that follow.
    let greedyPoint: [Double]?
    /// The stages so far, for diagnostics.
    var stages: [MIPDiagnostics.Stage] = []
    /// Some stage stopped without proving its optimum.
    var limited = false
    /// Served counts fixed so far, by level (what ``ServedRepair`` restores).
    var requiredServed: [Int: Int] = [:]
    /// The current stage's bound so far (its Lagrangian's or its LP's optimum; nil at each stage's start), and the
    /// last LP relaxation's time and size.
    var relaxationBound: Double?
    var lastRelaxation: Relaxation?
    /// The largest LP solved so far in this solve (a stage's relaxation or a priced stage's core LP): what a
    /// stage's full LP is estimated from when no earlier stage solved one (``lpEstimate``).
    var largestLP: Relaxation?
    /// Seconds the last priced stage took to build its relaxation and price it (``ChoiceRelaxation``): a stage that
    /// begins with less than twice that to the deadline is skipped, as that work, its core LP and its rounding are not
    /// stopped by the clock.
    var lastPricingSeconds: Double?
    /// What the current stage did, and whether the time guard skipped it.
    var steps: [MIPStep] = []
    var skipped = false

    init(formulation: AllocationFormulation, point: [Double]?) {
        self.formulation = formulation
        self.point = point
        greedyPoint = point
    }

    /// An LP relaxation's time, its size (columns and rows CBC got) and whether partial service was in it: what the
    /// next stage's LP time is estimated from.
    struct Relaxation {
        var seconds: Double
        var size: Double
        var partials: Bool
        /// A priced stage's core LP (never with partial service), not a stage's whole LP.
        var core = false

        /// Seconds an LP of `size` is expected to take, scaled from this one by size to the power 1.5, and when
        /// partial service enters the model by 25 after a stage's whole LP without it, by 4 after a core LP (whose
        /// size ratio already counts the partial columns); docs/benchmark.md has both calibrations ("Settled
        /// partial service, and LPs that cannot end in time" for the second).
        func expectedSeconds(size other: Double, partials otherPartials: Bool) -> Double {
            seconds * pow(other / max(1, size), 1.5) * (otherPartials && !partials ? (core ? 4 : 25) : 1)
        }
    }

    /// The reference a stage's full LP is estimated from: the last stage's LP, else the largest LP so far.
    var lpEstimate: Relaxation? { lastRelaxation ?? largestLP }

    /// Keeps `lp` as ``largestLP`` when it is the largest so far.
    mutating func noteLP(_ lp: Relaxation) {
        if lp.size >= (largestLP?.size ?? 0) { largestLP = lp }
    }
}

/// One stage to solve: its objective and which servers it leaves out.
struct StageRequest {
    var stage: MIPStage
    var objective: LinearExpression
    var sense: LinearModel.Sense
    var integral: Bool
    /// Maximising stages only: CBC maximises `objective - ε·tieBreak` with `ε·tieBreak <= tieBreakWeight < 1` at
    /// every point, so an integral objective is still maximised exactly, and among its optima the cheaper ones are
    /// preferred. The row fixed afterwards is on `objective` alone.
    var tieBreak: LinearExpression? = nil
    /// Servers pinned to nothing for this stage (lower priorities in a served stage: they can always take nothing,
    /// and leaving them out makes the model CBC sees smaller).
    var excluded: [Int] = []
    /// Servers whose partial-service columns are pinned to zero.
    var withoutPartials: [Int] = []
}
