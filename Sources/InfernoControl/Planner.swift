import InfernoMIP

/// The "decide" step of a cycle, a pure function: observation and loads in, decisions out (no I/O, no clock).
///
/// Each usable variant becomes a server pinned to its accelerator (`keepAccelerator`, as upstream: a variant *is* a
/// model on an accelerator), with its class from the service classes that list its model (the highest priority when
/// several do), its load, and its current replicas. Variants that cannot be optimized (invalid, no replica count,
/// no load data) keep their replicas, and the cards they hold are taken out of the capacity the others share.
package struct Planner: Sendable {
    package var analyzer: AnalyzerSettings
    package var solver: any AllocationSolver
    package var options: OptimizerOptions

    package struct Plan: Sendable {
        package var decisions: [VariantDecision]
        package var system: SystemSpec
        package var solution: Solution?
        package var notes: [String]
    }

    package func plan(_ observation: ClusterObservation, loads: [VariantID: LoadObservation]) -> Plan {
        var notes = observation.notes
        var decisions: [VariantID: VariantDecision] = [:]
        var servers: [Server] = []
        var profiles: [ModelProfile] = []
        var held: [String: Int] = [:]   // cards per GPU type kept by variants that are not optimized
        var byServer: [String: VariantObservation] = [:]
        let accelerators = Dictionary(observation.accelerators.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })

        func hold(_ v: VariantObservation, _ load: LoadObservation, _ why: String) {
            let current = v.currentReplicas ?? 0
            decisions[v.id] = VariantDecision(variant: v, load: load, action: .hold(why), current: current, desired: current,
                                              optimized: nil, accelerator: v.accelerator, reason: why, fullyServed: false)
            if let acc = accelerators[v.accelerator], let p = v.profiles.first(where: { $0.accelerator == v.accelerator }) {
                held[acc.type, default: 0] += current * p.acceleratorCount * acc.multiplicity
            }
        }

        for v in observation.variants {
            let load = loads[v.id] ?? .missing("no measurement")
            if let invalid = v.invalidReason { hold(v, load, "invalid: \(invalid)"); continue }
            guard let current = v.currentReplicas else { hold(v, load, "replicas of \(v.scaleTarget) unknown"); continue }
            guard accelerators[v.accelerator] != nil else {
                hold(v, load, "accelerator \"\(v.accelerator)\" has no cost entry"); continue
            }
            guard v.profiles.contains(where: { $0.accelerator == v.accelerator }) else {
                hold(v, load, "no profile for accelerator \"\(v.accelerator)\""); continue
            }
            guard let measured = load.load else { hold(v, load, "metrics unavailable: \(load.reason ?? "")"); continue }
            let serverName = v.id.description
            let classes = observation.serviceClasses.filter { $0.targets[v.modelID] != nil }
                .sorted { ($0.priority, $0.name) < ($1.priority, $1.name) }
            let cls = classes.first
            if cls == nil { notes.append("\(v.id): no service class lists model \"\(v.modelID)\"; lowest priority, no SLO") }
            let acc = accelerators[v.accelerator]!
            let profile = v.profiles.first { $0.accelerator == v.accelerator }!
            servers.append(Server(
                name: serverName, serviceClass: cls?.name ?? "", model: v.modelID,
                load: Load(arrivalRatePerMinute: measured.arrivalRatePerMinute, meanInputTokens: measured.meanInputTokens,
                           meanOutputTokens: measured.meanOutputTokens),
                current: Allocation(accelerator: v.accelerator, replicas: current,
                                    cost: Double(current * profile.acceleratorCount) * acc.costPerHour),
                minReplicas: v.minReplicas, maxReplicas: v.maxReplicas, maxBatchSizeOverride: v.batchLimitOverride,
                keepAccelerator: true))
            profiles += v.profiles.map { var p = $0; p.model = v.modelID; return p }
            byServer[serverName] = v
        }

        // One profile per (model, accelerator): variants of the same model share it; the first wins.
        var seen = Set<String>()
        profiles = profiles.filter { seen.insert("\($0.model)\u{0}\($0.accelerator)").inserted }
        var capacity = observation.capacity
        for (type, cards) in held { capacity.cardsByType[type] = max(0, capacity[type] - cards) }
        let system = SystemSpec(accelerators: observation.accelerators, profiles: profiles,
                                serviceClasses: observation.serviceClasses, servers: servers, capacity: capacity, options: options)

        var solution: Solution?
        if !servers.isEmpty {
            let candidates = CandidateGenerator(system: system, settings: analyzer).generate().servers
            let problem = OptimizationProblem(system: system, candidates: candidates)
            let s = solver.solve(problem)
            solution = s
            notes += s.diagnostics.notes
            for sc in problem.servers {
                guard let v = byServer[sc.name], let measured = loads[v.id]?.load else { continue }
                let chosen = s.server(named: sc.name)
                let placement = chosen?.primary
                let optimized = chosen?.replicas ?? 0
                var reason = chosen?.status.isFullyServed == true ? "optimized" : (chosen?.status.reason ?? "optimized")
                if chosen?.status.isFullyServed != true, sc.candidates.isEmpty {
                    reason = sc.rejections.map { "\($0.accelerator): \($0.reason)" }.joined(separator: "; ")
                }
                decisions[v.id] = VariantDecision(
                    variant: v, load: .available(measured), action: .scale, current: v.currentReplicas ?? 0,
                    desired: optimized, optimized: optimized, accelerator: placement?.accelerator ?? v.accelerator,
                    batchLimit: placement?.batchLimit, predictedITL: chosen?.itlMilliseconds,
                    predictedTTFT: chosen?.ttftMilliseconds, reason: reason,
                    fullyServed: chosen?.status.isFullyServed ?? false,
                    serviceClass: sc.server.serviceClass.isEmpty ? nil : sc.server.serviceClass, priority: sc.priority)
            }
        }
        let ordered = observation.variants.compactMap { decisions[$0.id] }
        return Plan(decisions: ordered, system: system, solution: solution, notes: notes)
    }
}
