import InfernoMIP

/// One variant's online profile estimate as the loop publishes it (VariantAutoscaling status, metrics) and reads
/// it back after a restart.
package struct TuningStatus: Sendable, Hashable {
    /// The accelerator the estimate is of: a variant moved to another one starts over.
    package var accelerator: String
    package var estimate: ProfileEstimate
    /// The factors the planner multiplied the estimate's decode and prefill times by this cycle (1 = none).
    package var headroom: [Double]
    /// Every estimated coefficient known within ``TunerSettings/convergedUncertainty``.
    package var converged: Bool
    /// What this cycle's measurement did (`updated`, `rejected`, `reset`, `skipped: why`, `resumed`).
    package var lastOutcome: String
    /// `configured`, or `borrowed from <accelerator>` for a variant without a profile of its own.
    package var priorSource: String

    package init(accelerator: String, estimate: ProfileEstimate, headroom: [Double], converged: Bool,
                 lastOutcome: String, priorSource: String) {
        self.accelerator = accelerator
        self.estimate = estimate
        self.headroom = headroom
        self.converged = converged
        self.lastOutcome = lastOutcome
        self.priorSource = priorSource
    }
}

/// The loop's per-variant profile estimates (docs/tuning.md). Each cycle it learns from every variant's measured
/// window and hands the planner the observation with each variant's profile replaced by the upper confidence
/// bound of its estimate, so the sizing carries headroom in proportion to what is not yet known.
package struct ProfileTuning: Sendable {
    package let tuner: ProfileTuner
    private var states: [VariantID: (status: TuningStatus, lastReady: Int?)] = [:]

    package init(settings: TunerSettings = TunerSettings()) { tuner = ProfileTuner(settings: settings) }

    package func status(of id: VariantID) -> TuningStatus? { states[id]?.status }

    /// Learns from `loads` and returns `observation` with tuned profiles.
    package mutating func apply(to observation: ClusterObservation, loads: [VariantID: LoadObservation]) -> ClusterObservation {
        var tuned = observation
        for i in tuned.variants.indices where tuned.variants[i].invalidReason == nil {
            let v = tuned.variants[i]
            guard let (base, source, uncertainty) = Self.baseProfile(of: v, settings: tuner.settings) else { continue }
            var (status, lastReady) = resumed(v, base: base, source: source, uncertainty: uncertainty)
            switch observationOf(v, base: base, load: loads[v.id], lastReady: lastReady) {
            case .success(let o):
                let (next, outcome) = tuner.update(status.estimate, with: o)
                status.estimate = next
                status.lastOutcome = Self.describe(outcome)
            case .failure(let why):
                status.lastOutcome = "skipped: \(why.text)"
            }
            let s = tuner.settings
            let limits = Self.headroomLimits(status.estimate, v, classes: observation.serviceClasses,
                                             load: loads[v.id]?.load, settings: s)
            status.headroom = status.estimate.headroom(z: s.confidenceZ, limits: limits, sizePrior: source != "configured")
            status.converged = status.estimate.isConverged(s.convergedUncertainty)
            var profile = base
            profile.performance = status.estimate.upperBound(status.headroom)
            tuned.variants[i].profiles = v.profiles.filter { $0.accelerator != v.accelerator } + [profile]
            states[v.id] = (status, v.readyReplicas)
        }
        let present = Set(observation.variants.map(\.id))
        states = states.filter { present.contains($0.key) }
        return tuned
    }

    /// `observation` (as ``apply(to:loads:)`` returned it) with the variants in `ids` sized at their estimate's
    /// centre instead of its upper bound.
    package func centred(_ observation: ClusterObservation, _ ids: Set<VariantID>) -> ClusterObservation {
        var o = observation
        for i in o.variants.indices where ids.contains(o.variants[i].id) {
            guard let t = states[o.variants[i].id]?.status else { continue }
            let acc = o.variants[i].accelerator
            for k in o.variants[i].profiles.indices where o.variants[i].profiles[k].accelerator == acc {
                o.variants[i].profiles[k].performance = t.estimate.performance
            }
        }
        return o
    }

    /// Records that the variants in `ids` were sized at their centre this cycle.
    package mutating func dropHeadroom(_ ids: Set<VariantID>) {
        for id in ids where states[id] != nil {
            states[id]!.status.headroom = [1, 1]
            states[id]!.status.lastOutcome += "; sized at the centre: with headroom it could not be fully served"
        }
    }

    /// The profile to start from: the variant's own for its accelerator, else another accelerator's (the first
    /// by name) with the borrowed prior's wider uncertainty; nil without any profile.
    static func baseProfile(of v: VariantObservation, settings: TunerSettings)
        -> (profile: ModelProfile, source: String, uncertainty: Double)? {
        if let own = v.profiles.first(where: { $0.accelerator == v.accelerator }) {
            return (own, "configured", settings.configuredUncertainty)
        }
        guard var other = v.profiles.sorted(by: { $0.accelerator < $1.accelerator }).first else { return nil }
        let source = "borrowed from \(other.accelerator)"
        other.accelerator = v.accelerator
        return (other, source, settings.borrowedUncertainty)
    }

    /// The state to continue: this loop's own, else the one the variant's status carried (a restarted
    /// controller), else a new prior. A changed accelerator or configured profile starts over.
    private func resumed(_ v: VariantObservation, base: ModelProfile, source: String, uncertainty: Double)
        -> (TuningStatus, Int?) {
        func matches(_ s: TuningStatus) -> Bool { s.accelerator == v.accelerator && s.estimate.prior == base.performance }
        if let own = states[v.id], matches(own.status) { return own }
        if var saved = v.savedTuning, matches(saved) {
            saved.lastOutcome = "resumed"
            return (saved, nil)
        }
        let prior = ProfileEstimate(prior: base.performance, uncertainty: uncertainty,
                                    shapeUncertainty: tuner.settings.shapeUncertainty)
        return (TuningStatus(accelerator: v.accelerator, estimate: prior, headroom: [1, 1], converged: false,
                             lastOutcome: "prior", priorSource: source), nil)
    }

    /// How far the headroom may go: ``TunerSettings/maxHeadroom``, and never so far that a lone request on an
    /// idle replica would miss 90% of a target the estimate's centre meets: the headroom is a margin, not a
    /// verdict that the SLO cannot be met (which would leave the variant unplaced).
    static func headroomLimits(_ e: ProfileEstimate, _ v: VariantObservation, classes: [ServiceClass], load: VariantLoad?,
                               settings: TunerSettings) -> [Double] {
        var limits = [settings.maxHeadroom, settings.maxHeadroom]
        let target = classes.filter { $0.targets[v.modelID] != nil }.min { ($0.priority, $0.name) < ($1.priority, $1.name) }?
            .targets[v.modelID]
        guard let l = load, l.meanOutputTokens >= 1 else { return limits }
        let times = ServiceTimes(performance: e.performance, inputTokens: l.meanInputTokens, outputTokens: l.meanOutputTokens)
        let lone = times.loneRequest(batchLimit: 1).latencies
        if let itl = target?.itlMilliseconds, lone.itl > 0 { limits[0] = min(limits[0], max(1, 0.9 * itl / lone.itl)) }
        if let ttft = target?.ttftMilliseconds, lone.firstTokenService > 0 {
            limits[1] = min(limits[1], max(1, 0.9 * ttft / lone.firstTokenService))
        }
        // The per-iteration kind's coefficients make both latencies: one factor for both.
        return e.kind == .perIteration ? [limits.min()!, limits.min()!] : limits
    }

    struct NoObservation: Error { var text: String }

    /// The measurement of the window that just ended, when it was taken over a steady set of ready replicas.
    private func observationOf(_ v: VariantObservation, base: ModelProfile, load: LoadObservation?,
                               lastReady: Int?) -> Result<TuningObservation, NoObservation> {
        guard let l = load?.load else { return .failure(NoObservation(text: load?.reason ?? "no measurement")) }
        guard let ready = v.readyReplicas, ready > 0 else { return .failure(NoObservation(text: "no ready replica")) }
        guard ready == v.currentReplicas, ready == lastReady else {
            return .failure(NoObservation(text: "replicas changed during the window"))
        }
        guard let itl = l.itlMilliseconds, let ttft = l.ttftMilliseconds else {
            return .failure(NoObservation(text: "no latencies measured"))
        }
        let batch = v.batchLimitOverride ?? base.memoryBoundBatchLimit(outputTokens: l.meanOutputTokens)
        return .success(TuningObservation(
            ratePerReplicaPerSecond: l.arrivalRatePerMinute / 60 / Double(ready), inputTokens: l.meanInputTokens,
            outputTokens: l.meanOutputTokens, batchLimit: batch, itlMilliseconds: itl, ttftMilliseconds: ttft))
    }

    static func describe(_ o: TuningOutcome) -> String {
        switch o {
        case .updated: "updated"
        case .rejected(let nis): "rejected (NIS \(Int(nis.rounded())))"
        case .reset: "reset"
        case .skipped(let why): "skipped: \(why)"
        }
    }
}
