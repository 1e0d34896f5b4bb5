import InfernoControl
import InfernoMIP

/// An in-process Kubernetes cluster serving LLMs: nodes with GPU cards, vLLM Deployments whose replicas are
/// ``EmulatedServer``s, a scheduler, a router, and a load trace per model. A deterministic discrete-event
/// simulation: no wall clock, no threads; simulated time moves only in ``advance(to:)``.
///
/// A value type with one owner (the reconcile loop, or a test): it is `Sendable`, and whoever needs to share
/// it across tasks wraps it in an actor.
///
/// Lifecycle of a replica (Kubernetes semantics where they matter):
/// - **scale up** creates pending replicas; the **scheduler** binds each (in creation order) to the first node,
///   by name, with enough free cards of its GPU type on that one node; a replica that fits nowhere stays
///   pending and is retried whenever cards are freed.
/// - a bound replica holds its cards and becomes **ready** ``Configuration/startupDelaySeconds`` after binding
///   (pulling the image and loading the weights); only then does it get traffic.
/// - **scale down** removes pending replicas first, then starting ones (cards freed at once), then the newest
///   ready ones, which **drain**: they get no new requests, finish those they hold (queued ones included) and
///   release their cards when empty, or at the end of ``Configuration/drainGraceSeconds`` (Kubernetes'
///   termination grace period), when what is left is aborted and counted.
/// - counters of stopped replicas stay with their deployment, so a deployment's counters never go back.
///
/// **Routing**: each model's arrivals go to the ready replicas of all the deployments serving that model, by
/// ``RoutingPolicy`` (a scenario's default: load-aware, as llm-d's endpoint picker). With no ready replica the
/// request is dropped at the router and counted as unserved.
package struct SimulatedCluster: Sendable {
    package struct Configuration: Codable, Hashable, Sendable {
        /// From binding to ready, seconds.
        package var startupDelaySeconds: Double
        /// How long a stopping replica may take to finish its requests, seconds.
        package var drainGraceSeconds: Double
        package var routing: RoutingPolicy
        package var seed: UInt64

        package init(startupDelaySeconds: Double = 60, drainGraceSeconds: Double = 30, routing: RoutingPolicy = .random,
             seed: UInt64 = 1) {
            self.startupDelaySeconds = startupDelaySeconds
            self.drainGraceSeconds = drainGraceSeconds
            self.routing = routing
            self.seed = seed
        }
    }

    package struct NodeState: Sendable {
        package var node: SimulatedNode
        package var allocated: [String: Int] = [:]
        /// Lost (``SimulatedCluster/loseNode(named:)``): it offers no cards and is not listed.
        package var lost = false
        package func free(_ type: String) -> Int { lost ? 0 : (node.gpus[type] ?? 0) - (allocated[type] ?? 0) }
    }

    package struct DeploymentState: Sendable {
        package var spec: SimulatedDeploymentSpec
        package var desired: Int
        package let model: Int
        /// Counters of stopped replicas.
        package var retired = VLLMMetrics()
        package var retiredReplicaSeconds = 0.0
        package var retiredCost = 0.0
        /// Injected: its pods never become ready, or crash in a loop (``ReplicaFault``).
        package var fault: ReplicaFault?
    }

    package struct ModelTraffic: Sendable {
        package let model: String
        package var arrivals: PoissonArrivals?
        package var next: SimulatedRequest?
        package var arrived = 0
        package var unserved = 0
        /// Round-robin position, and the start of the tie-break scan of least-loaded routing.
        package var cursor = 0
        package var meanOutputTokens: Double?
        /// The first request dropped since a replica was last ready, and the longest such wait so far.
        package var firstDropped: Double?
        package var longestWaitForReplica: Double?
    }

    package let configuration: Configuration
    /// Simulated seconds since the start.
    package private(set) var now: Double = 0
    // State below is internal so the extensions (other files) can reach it; change it only through the
    // methods, which keep the indexes consistent.
    package var nodeStates: [NodeState]
    package var acceleratorsByName: [String: Accelerator]
    package var deploymentStates: [DeploymentState] = []
    package var traffic: [ModelTraffic] = []
    /// Live replicas (pending to draining) in creation order; stopped ones are removed.
    package var replicas: [SimulatedReplica] = []
    package var nextReplicaID = 0
    package var routerRNG: SplitMix64
    /// Derived, rebuilt by ``reindex()``: ready replicas (indices) per model, and replicas with a pending
    /// lifecycle event (starting or draining).
    package var readyByModel: [[Int]] = []
    package var transitional: [Int] = []

    package init(nodes: [SimulatedNode], accelerators: [Accelerator], configuration: Configuration = Configuration()) {
        self.configuration = configuration
        nodeStates = nodes.sorted { $0.name < $1.name }.map { NodeState(node: $0) }
        acceleratorsByName = Dictionary(accelerators.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        routerRNG = SplitMix64(seed: configuration.seed, stream: "router")
    }

    /// Adds a deployment with `spec.replicas` desired replicas, scheduled at once.
    package mutating func addDeployment(_ spec: SimulatedDeploymentSpec) throws {
        guard deploymentIndex(namespace: spec.namespace, name: spec.name) == nil else {
            throw SimulationError.duplicateDeployment(namespace: spec.namespace, name: spec.name)
        }
        _ = try placement(of: spec, on: spec.accelerator)
        guard spec.replicas >= 0 else {
            throw SimulationError.invalidReplicas(deployment: spec.qualifiedName, replicas: spec.replicas)
        }
        let model = trafficIndex(for: spec.model)
        deploymentStates.append(DeploymentState(spec: spec, desired: 0, model: model))
        try scale(namespace: spec.namespace, name: spec.name, replicas: spec.replicas)
    }

    /// Plays `trace` for its model from now on (trace time 0 = now), replacing any earlier trace.
    package mutating func setLoad(_ trace: LoadTrace, tokenLengths: TokenLengths = .exponential) {
        let m = trafficIndex(for: trace.model)
        var arrivals = PoissonArrivals(trace: trace, tokenLengths: tokenLengths, origin: now, start: now,
                                       rng: SplitMix64(seed: configuration.seed, stream: "arrivals/" + trace.model))
        traffic[m].next = arrivals.next()
        traffic[m].arrivals = arrivals
        traffic[m].meanOutputTokens = trace.meanOutputTokens
    }

    /// Runs the simulation up to `time` (seconds since the start; not before ``now``).
    package mutating func advance(to time: Double) {
        precondition(time >= now, "simulated time cannot go back: \(time) < \(now)")
        while true {
            var arrivalTime = Double.infinity, arrivalModel = -1
            for (m, t) in traffic.enumerated() {
                if let next = t.next, next.arrival < arrivalTime { arrivalTime = next.arrival; arrivalModel = m }
            }
            var lifecycleTime = Double.infinity, lifecycleReplica = -1
            for i in transitional {
                let t = lifecycleEventTime(replicas[i])
                if t < lifecycleTime { lifecycleTime = t; lifecycleReplica = i }
            }
            guard min(arrivalTime, lifecycleTime) <= time else { break }
            if lifecycleTime <= arrivalTime {
                now = max(now, lifecycleTime)
                handleLifecycle(of: lifecycleReplica)
            } else {
                now = max(now, arrivalTime)
                handleArrival(of: arrivalModel)
            }
        }
        now = time
        for i in replicas.indices where replicas[i].server != nil { replicas[i].server!.advance(to: time) }
    }

    /// Runs the simulation for `seconds` more.
    package mutating func advance(by seconds: Double) { advance(to: now + max(0, seconds)) }

    private func lifecycleEventTime(_ r: SimulatedReplica) -> Double {
        switch r.phase {
        case .starting(let readyAt): return readyAt
        case .draining(let deadline): return min(deadline, r.server?.nextEventTime ?? now)
        case .ready: return r.crashAt ?? .infinity
        case .pending: return .infinity
        }
    }

    private mutating func handleLifecycle(of i: Int) {
        switch replicas[i].phase {
        case .starting:
            let r = replicas[i]
            if deploymentStates[r.deployment].fault == .neverReady {
                replicas[i].phase = .starting(readyAt: .infinity)
                return
            }
            if case .crashLoop(let up) = deploymentStates[r.deployment].fault { replicas[i].crashAt = now + max(0, up) }
            replicas[i].phase = .ready
            replicas[i].server = EmulatedServer(profile: r.trueProfile ?? r.profile, batchLimit: r.batchLimit,
                                                queueLimit: r.queueLimit, startTime: now, sloTarget: r.sloTarget)
            if let first = traffic[r.model].firstDropped {
                traffic[r.model].longestWaitForReplica = max(traffic[r.model].longestWaitForReplica ?? 0, now - first)
                traffic[r.model].firstDropped = nil
            }
            reindex()
        case .draining(let deadline):
            replicas[i].server?.advance(to: now)
            if replicas[i].server?.isIdle ?? true {
                terminate(i)
            } else if now >= deadline {
                replicas[i].server!.abortAll()
                terminate(i)
            }
        case .ready:
            crash(i)
        case .pending:
            break
        }
    }

    private mutating func handleArrival(of m: Int) {
        guard let request = traffic[m].next else { return }
        traffic[m].next = traffic[m].arrivals?.next()
        traffic[m].arrived += 1
        let candidates = readyByModel[m]
        guard !candidates.isEmpty else {
            traffic[m].unserved += 1
            if traffic[m].firstDropped == nil { traffic[m].firstDropped = request.arrival }
            return
        }
        let target: Int
        switch configuration.routing {
        case .random:
            target = candidates[Int(routerRNG.next() % UInt64(candidates.count))]
        case .roundRobin:
            target = candidates[traffic[m].cursor % candidates.count]
            traffic[m].cursor &+= 1
        case .leastLoaded:
            var best = -1, bestLoad = Int.max
            for k in 0..<candidates.count {
                let i = candidates[(traffic[m].cursor + k) % candidates.count]
                replicas[i].server!.advance(to: request.arrival)
                let load = replicas[i].server!.inSystem
                if load < bestLoad { best = i; bestLoad = load }
            }
            target = best
            traffic[m].cursor &+= 1
        case .loadAware:
            target = pickLoadAware(candidates, at: request.arrival)
        }
        replicas[target].server!.submit(request)
    }

    /// ``RoutingPolicy/loadAware``: queue score plus KV-cache score, best first, ties drawn at random.
    private mutating func pickLoadAware(_ candidates: [Int], at time: Double) -> Int {
        var waiting: [Int] = [], used: [Double] = []
        for i in candidates {
            replicas[i].server!.advance(to: time)
            let s = replicas[i].server!
            waiting.append(s.waitingCount)
            used.append(Double(s.runningCount) / Double(max(1, s.batchLimit)))
        }
        let lo = waiting.min()!, hi = waiting.max()!
        var best: [Int] = [], bestScore = -Double.infinity
        for k in candidates.indices {
            let queueScore = hi > lo ? Double(hi - waiting[k]) / Double(hi - lo) : 1
            let score = queueScore + (1 - min(1, used[k]))
            if score > bestScore + 1e-12 { best = [candidates[k]]; bestScore = score }
            else if score > bestScore - 1e-12 { best.append(candidates[k]) }
        }
        return best.count == 1 ? best[0] : best[Int(routerRNG.next() % UInt64(best.count))]
    }

    // MARK: - Bookkeeping shared by the extensions

    package func deploymentIndex(namespace: String, name: String) -> Int? {
        deploymentStates.firstIndex { $0.spec.namespace == namespace && $0.spec.name == name }
    }

    package func existingDeployment(namespace: String, name: String) throws -> Int {
        guard let d = deploymentIndex(namespace: namespace, name: name) else {
            throw SimulationError.unknownDeployment(namespace: namespace, name: name)
        }
        return d
    }

    package mutating func trafficIndex(for model: String) -> Int {
        if let m = traffic.firstIndex(where: { $0.model == model }) { return m }
        traffic.append(ModelTraffic(model: model))
        reindex()
        return traffic.count - 1
    }

    /// Rebuilds the derived indexes after any change of phase or of the replica list.
    package mutating func reindex() {
        readyByModel = Array(repeating: [], count: traffic.count)
        transitional = []
        for (i, r) in replicas.enumerated() {
            switch r.phase {
            case .ready:
                readyByModel[r.model].append(i)
                if r.crashAt != nil { transitional.append(i) }
            case .starting, .draining: transitional.append(i)
            case .pending: break
            }
        }
    }
}
