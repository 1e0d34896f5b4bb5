import InfernoMIP

extension Planner {
    /// A model's candidates. One variant: the analyzer's, as for any pinned server. Several: each variant's own
    /// candidate (its accelerator, its batch limit override), sized for the whole model's load.
    func candidates(of m: ModelServer, _ generator: CandidateGenerator) -> ServerCandidates {
        guard m.variants.count > 1 else { return generator.candidates(for: m.server) }
        var candidates: [Candidate] = [], rejections: [Rejection] = []
        var priority = ServiceClass.defaultPriority, required = m.server.load.arrivalRatePerSecond
        for v in m.variants {
            var pinned = m.server
            pinned.variants = nil
            pinned.current = Allocation(accelerator: v.accelerator, replicas: 0)
            pinned.keepAccelerator = true
            pinned.maxBatchSizeOverride = v.batchLimitOverride
            let own = generator.candidates(for: pinned)
            priority = own.priority
            required = own.requiredRatePerSecond
            candidates += own.candidates.filter { $0.accelerator == v.accelerator }
            rejections += own.rejections.filter { $0.accelerator == v.accelerator }
        }
        return ServerCandidates(server: m.server, priority: priority, candidates: candidates.sorted { $0.accelerator < $1.accelerator },
                                rejections: rejections, requiredRatePerSecond: required)
    }

    /// Each variant's decision from its model's solution. Several variants: each gets the replicas the solution
    /// put on its accelerator, the share of the model's demand those replicas carry when requests are spread in
    /// proportion to what each replica serves within the SLOs (what a load-aware gateway does), and the latencies
    /// the analyzer predicts at that share.
    func decide(_ m: ModelServer, _ sc: ServerCandidates, _ chosen: ServerSolution?,
                loads: [VariantID: LoadObservation]) -> [VariantDecision] {
        let status = chosen?.status
        var reason = status?.isFullyServed == true ? "optimized" : (status?.reason ?? "optimized")
        if status?.isFullyServed != true, sc.candidates.isEmpty {
            reason = sc.rejections.map { "\($0.accelerator): \($0.reason)" }.joined(separator: "; ")
        }
        let serviceClass = sc.server.serviceClass.isEmpty ? nil : sc.server.serviceClass
        func decision(_ v: VariantObservation, replicas: Int) -> VariantDecision {
            VariantDecision(variant: v, load: loads[v.id] ?? .available(m.load), action: .scale, current: v.currentReplicas ?? 0,
                            desired: replicas, optimized: replicas, accelerator: v.accelerator, reason: reason,
                            fullyServed: status?.isFullyServed ?? false, serviceClass: serviceClass, priority: sc.priority)
        }
        guard m.variants.count > 1 else {
            let v = m.variants[0]
            var d = decision(v, replicas: chosen?.replicas ?? 0)
            d.accelerator = chosen?.primary?.accelerator ?? v.accelerator
            d.batchLimit = chosen?.primary?.batchLimit
            d.predictedITL = chosen?.itlMilliseconds
            d.predictedTTFT = chosen?.ttftMilliseconds
            return [d]
        }
        let placements = chosen?.placements ?? []
        let capacity = placements.reduce(0.0) { $0 + $1.servedRatePerSecond }
        let total = placements.reduce(0) { $0 + $1.replicas }
        let rate = m.server.load.arrivalRatePerSecond
        return m.variants.map { v in
            let placement = placements.first { $0.accelerator == v.accelerator }
            let replicas = placement?.replicas ?? 0
            var d = decision(v, replicas: replicas)
            d.batchLimit = placement?.batchLimit ?? sc.candidates.first { $0.accelerator == v.accelerator }?.batchLimit
            let share = capacity > 0 ? Double(replicas) * (placement?.ratePerReplica ?? 0) / capacity
                                     : (total > 0 ? Double(replicas) / Double(total) : 0)
            d.plannedShare = share
            d.ratePerReplica = placement?.ratePerReplica ?? sc.candidates.first { $0.accelerator == v.accelerator }?.ratePerReplica
            d.reason = "\(reason): \(replicas) of \(m.key)'s \(total) replicas, " + String(format: "%.0f%%", share * 100) + " of its demand"
            if sc.candidates.allSatisfy({ $0.accelerator != v.accelerator }) {
                let why = sc.rejections.filter { $0.accelerator == v.accelerator }.map(\.reason).joined(separator: "; ")
                d.reason += " (no candidate: \(why))"
            }
            if replicas > 0, let p = placement, let profile = v.profiles.first(where: { $0.accelerator == v.accelerator }) {
                let perReplica = capacity > 0 ? rate * p.ratePerReplica / capacity : rate / Double(total)
                let metrics = QueueModel(times: ServiceTimes(profile: profile, load: m.server.load), batchLimit: p.batchLimit)
                    .evaluate(ratePerSecond: perReplica)
                d.predictedITL = metrics.itlMilliseconds
                d.predictedTTFT = metrics.ttftMilliseconds
            }
            return d
        }
    }
}
