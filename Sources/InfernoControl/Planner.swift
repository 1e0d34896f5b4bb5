import InfernoMIP

/// The "decide" step of a cycle, a pure function: observation and demand in, decisions out (no I/O, no clock).
///
/// Variants are grouped into models (``VariantObservation/modelKey``: namespace and `modelID`, or an explicit
/// group). A model with one usable variant becomes a server pinned to its accelerator (`keepAccelerator`, as
/// upstream: a variant *is* a model on an accelerator). A model with several becomes one server whose candidates
/// are exactly its variants' accelerators, each with its variant's bounds (``Server/variants``): the solver
/// splits the model's demand over them and each variant's Deployment gets its share. The class is the highest
/// priority one listing the model. Variants that cannot be optimized (invalid, no replica count, no demand data)
/// keep their replicas, and the cards they hold are taken out of the capacity the others share.
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

    /// A model to plan: its usable variants and its server.
    struct ModelServer {
        var key: ModelKey
        var variants: [VariantObservation]
        var server: Server
        var load: VariantLoad
    }

    package func plan(_ observation: ClusterObservation, loads: [VariantID: LoadObservation],
                      demand: DemandTracker.Demand) -> Plan {
        var notes = observation.notes + demand.notes
        var decisions: [VariantID: VariantDecision] = [:]
        var held: [String: Int] = [:]   // cards per GPU type kept by variants that are not optimized
        let accelerators = Dictionary(observation.accelerators.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })

        func hold(_ v: VariantObservation, _ why: String) {
            let current = v.currentReplicas ?? 0
            let load = loads[v.id] ?? .missing("no measurement")
            decisions[v.id] = VariantDecision(variant: v, load: load, action: .hold(why), current: current, desired: current,
                                              optimized: nil, accelerator: v.accelerator, reason: why, fullyServed: false)
            if let acc = accelerators[v.accelerator], let p = v.profiles.first(where: { $0.accelerator == v.accelerator }) {
                held[acc.type, default: 0] += current * p.acceleratorCount * acc.multiplicity
            }
        }

        var usable: [ModelKey: [VariantObservation]] = [:]
        for v in observation.variants {
            if let invalid = v.invalidReason { hold(v, "invalid: \(invalid)"); continue }
            guard v.currentReplicas != nil else { hold(v, "replicas of \(v.scaleTarget) unknown"); continue }
            guard accelerators[v.accelerator] != nil else {
                hold(v, "accelerator \"\(v.accelerator)\" has no cost entry"); continue
            }
            guard v.profiles.contains(where: { $0.accelerator == v.accelerator }) else {
                hold(v, "no profile for accelerator \"\(v.accelerator)\""); continue
            }
            if let other = usable[v.modelKey]?.first(where: { $0.accelerator == v.accelerator }) {
                // The plan splits a model by accelerator: two variants on one could not be told apart.
                hold(v, "\(other.id) already serves \(v.modelKey) on \(v.accelerator); give one a modelGroup of its own")
                continue
            }
            usable[v.modelKey, default: []].append(v)
        }

        var models: [ModelServer] = []
        var profiles: [ModelProfile] = []
        for (key, members) in usable.sorted(by: { $0.key < $1.key }) {
            guard let measured = demand.planned[key]?.load else {
                let why = demand.planned[key]?.reason ?? "no measurement"
                for v in members { hold(v, "metrics unavailable: \(why)") }
                continue
            }
            let v = members[0]
            let classes = observation.serviceClasses.filter { $0.targets[v.modelID] != nil }
                .sorted { ($0.priority, $0.name) < ($1.priority, $1.name) }
            let cls = classes.first
            if cls == nil { notes.append("\(key): no service class lists model \"\(v.modelID)\"; lowest priority, no SLO") }
            let load = Load(arrivalRatePerMinute: measured.arrivalRatePerMinute, meanInputTokens: measured.meanInputTokens,
                            meanOutputTokens: measured.meanOutputTokens)
            let floor = demand.retained.contains(key) ? 1 : 0
            let server: Server
            if members.count == 1 {
                let acc = accelerators[v.accelerator]!
                let profile = v.profiles.first { $0.accelerator == v.accelerator }!
                let current = v.currentReplicas!
                server = Server(
                    name: v.id.description, serviceClass: cls?.name ?? "", model: v.modelID, load: load,
                    current: Allocation(accelerator: v.accelerator, replicas: current,
                                        cost: Double(current * profile.acceleratorCount) * acc.costPerHour),
                    minReplicas: max(v.minReplicas, floor), maxReplicas: v.maxReplicas,
                    maxBatchSizeOverride: v.batchLimitOverride, keepAccelerator: true)
            } else {
                server = Server(
                    name: "\(key)@model", serviceClass: cls?.name ?? "", model: v.modelID, load: load,
                    minReplicas: floor,
                    variants: members.map { VariantBounds(accelerator: $0.accelerator, currentReplicas: $0.currentReplicas!,
                                                          minReplicas: $0.minReplicas, maxReplicas: $0.maxReplicas) })
            }
            models.append(ModelServer(key: key, variants: members, server: server, load: measured))
            for m in members { profiles += m.profiles.map { var p = $0; p.model = m.modelID; return p } }
        }

        // One profile per (model, accelerator): variants of the same model share it; the first wins.
        var seen = Set<String>()
        profiles = profiles.filter { seen.insert("\($0.model)\u{0}\($0.accelerator)").inserted }
        var capacity = observation.capacity
        for (type, cards) in held { capacity.cardsByType[type] = max(0, capacity[type] - cards) }
        let system = SystemSpec(accelerators: observation.accelerators, profiles: profiles,
                                serviceClasses: observation.serviceClasses, servers: models.map(\.server),
                                capacity: capacity, options: options)

        var solution: Solution?
        if !models.isEmpty {
            let generator = CandidateGenerator(system: system, settings: analyzer)
            let problem = OptimizationProblem(system: system, candidates: models.map { self.candidates(of: $0, generator) })
            let s = solver.solve(problem)
            solution = s
            notes += s.diagnostics.notes
            let byName = Dictionary(uniqueKeysWithValues: problem.servers.map { ($0.name, $0) })
            for m in models {
                guard let sc = byName[m.server.name] else { continue }
                let idle = m.load.arrivalRatePerMinute <= 0 && !demand.retained.contains(m.key)
                for var d in decide(m, sc, s.server(named: sc.name), loads: loads) {
                    d.idle = idle
                    decisions[d.variant.id] = d
                }
            }
        }
        let ordered = observation.variants.compactMap { decisions[$0.id] }
        return Plan(decisions: ordered, system: system, solution: solution, notes: notes)
    }
}
