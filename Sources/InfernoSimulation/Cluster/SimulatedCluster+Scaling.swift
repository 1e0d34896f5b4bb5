import InfernoControl
import InfernoMIP

extension SimulatedCluster {
    /// Sets `spec.replicas` of a deployment, as `kubectl scale` would. New replicas are scheduled at once (or
    /// stay pending); surplus ones stop in ReplicaSet order (see ``SimulatedCluster``).
    package mutating func scale(namespace: String, name: String, replicas desired: Int) throws {
        let d = try existingDeployment(namespace: namespace, name: name)
        guard desired >= 0 else {
            throw SimulationError.invalidReplicas(deployment: deploymentStates[d].spec.qualifiedName, replicas: desired)
        }
        deploymentStates[d].desired = desired
        let active = replicas.filter { $0.deployment == d && !$0.isDraining }
        if desired > active.count {
            for _ in active.count..<desired { try createReplica(of: d) }
        } else if desired < active.count {
            let surplus = active.sorted { $0.scaleDownRank < $1.scaleDownRank }.prefix(active.count - desired)
            for r in surplus { stop(replicaID: r.id) }
        }
        schedulePending()
        reindex()
    }

    /// Moves a deployment to another accelerator (its label and node selector change): every current replica
    /// stops as on scale-down and as many new ones start on the new accelerator. Unlike a rolling update the new
    /// replicas are all created at once (a surge of 100%), so they need free cards of the new type.
    package mutating func setAccelerator(namespace: String, name: String, accelerator: String) throws {
        let d = try existingDeployment(namespace: namespace, name: name)
        guard deploymentStates[d].spec.accelerator != accelerator else { return }
        _ = try placement(of: deploymentStates[d].spec, on: accelerator)
        let desired = deploymentStates[d].desired
        try scale(namespace: namespace, name: name, replicas: 0)
        deploymentStates[d].spec.accelerator = accelerator
        try scale(namespace: namespace, name: name, replicas: desired)
    }

    /// The profile, GPU type, cards per replica and hourly cost of `spec`'s model on `accelerator`.
    package func placement(of spec: SimulatedDeploymentSpec, on accelerator: String) throws
        -> (profile: ModelProfile, gpuType: String, cards: Int, costPerHour: Double)
    {
        guard let acc = acceleratorsByName[accelerator] else {
            throw SimulationError.unknownAccelerator(deployment: spec.qualifiedName, accelerator: accelerator)
        }
        guard let profile = spec.profile(for: accelerator) else {
            throw SimulationError.missingProfile(deployment: spec.qualifiedName, model: spec.model,
                                                 accelerator: accelerator)
        }
        let count = max(1, profile.acceleratorCount)
        return (profile, acc.type, count * max(1, acc.multiplicity), Double(count) * acc.costPerHour)
    }

    /// Batch limit of a new replica of deployment `d`: the explicit one, else upstream's memory bound at the
    /// model's mean output length (the profile's own `atTokens` while the model has no load).
    package func batchLimit(of d: Int, profile: ModelProfile) -> Int {
        let spec = deploymentStates[d].spec
        if let explicit = spec.maxBatchSize, explicit > 0 { return explicit }
        let outputTokens = traffic[deploymentStates[d].model].meanOutputTokens ?? Double(profile.atTokens)
        return profile.memoryBoundBatchLimit(outputTokens: outputTokens)
    }

    package mutating func createReplica(of d: Int) throws {
        let spec = deploymentStates[d].spec
        let p = try placement(of: spec, on: spec.accelerator)
        replicas.append(SimulatedReplica(
            id: nextReplicaID, deployment: d, model: deploymentStates[d].model, accelerator: spec.accelerator,
            gpuType: p.gpuType, cards: p.cards, costPerHour: p.costPerHour, profile: p.profile,
            batchLimit: batchLimit(of: d, profile: p.profile), queueLimit: spec.queueLimit, sloTarget: spec.sloTarget,
            trueProfile: spec.serverProfile(for: spec.accelerator)))
        nextReplicaID += 1
    }

    /// Begins stopping a replica: pending ones vanish, starting ones free their cards, ready ones drain.
    private mutating func stop(replicaID: Int) {
        guard let i = replicas.firstIndex(where: { $0.id == replicaID }) else { return }
        switch replicas[i].phase {
        case .pending:
            replicas.remove(at: i)
            reindex()
        case .starting:
            terminate(i)
        case .ready:
            replicas[i].server?.advance(to: now)
            if configuration.drainGraceSeconds <= 0 {
                replicas[i].server?.abortAll()
                terminate(i)
            } else if replicas[i].server?.isIdle ?? true {
                terminate(i)
            } else {
                replicas[i].phase = .draining(deadline: now + configuration.drainGraceSeconds)
                reindex()
            }
        case .draining:
            break
        }
    }

    /// Removes replica `i` for good: its counters go to its deployment, its cards back to its node, and the
    /// pending replicas get another chance.
    package mutating func terminate(_ i: Int) {
        let r = replicas[i]
        if let node = r.node {
            nodeStates[node].allocated[r.gpuType, default: 0] -= r.cards
            let held = now - r.boundAt
            deploymentStates[r.deployment].retiredReplicaSeconds += held
            deploymentStates[r.deployment].retiredCost += held / 3600 * r.costPerHour
        }
        if let server = r.server {
            deploymentStates[r.deployment].retired = deploymentStates[r.deployment].retired + server.metrics.countersOnly
        }
        replicas.remove(at: i)
        schedulePending()
        reindex()
    }

    /// Binds pending replicas, in creation order, to the first node (by name) with enough free cards of their
    /// GPU type; the others stay pending.
    package mutating func schedulePending() {
        for i in replicas.indices where replicas[i].phase == .pending {
            let r = replicas[i]
            guard let node = nodeStates.firstIndex(where: { $0.free(r.gpuType) >= r.cards }) else { continue }
            nodeStates[node].allocated[r.gpuType, default: 0] += r.cards
            replicas[i].node = node
            replicas[i].boundAt = now
            let neverReady = deploymentStates[r.deployment].fault == .neverReady
            replicas[i].phase = .starting(readyAt: neverReady ? .infinity : now + max(0, configuration.startupDelaySeconds))
        }
    }
}
