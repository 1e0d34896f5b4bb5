import InfernoControl
import InfernoMIP

extension SimulatedCluster {
    /// Nodes with their GPU capacity and allocation, by name.
    package var nodes: [NodeSnapshot] {
        nodeStates.filter { !$0.lost }.map { NodeSnapshot(name: $0.node.name, capacity: $0.node.gpus, allocated: $0.allocated) }
    }

    /// Free cards per GPU type over all nodes.
    package var freeCardsByType: [String: Int] {
        var free: [String: Int] = [:]
        for n in nodeStates {
            for type in n.node.gpus.keys { free[type, default: 0] += n.free(type) }
        }
        return free
    }

    /// Every deployment, by namespace then name.
    package var deployments: [DeploymentSnapshot] {
        deploymentStates.indices.map(snapshot(of:)).sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
    }

    package func deployment(namespace: String, name: String) throws -> DeploymentSnapshot {
        snapshot(of: try existingDeployment(namespace: namespace, name: name))
    }

    /// What the deployment's replicas export, summed as `sum(...)` over their series would be: counters of
    /// every replica it ever had (stopped ones included, so they never go back), gauges of the live ones.
    package func metrics(namespace: String, name: String) throws -> VLLMMetrics {
        let d = try existingDeployment(namespace: namespace, name: name)
        var total = deploymentStates[d].retired
        for r in replicas where r.deployment == d {
            if let server = r.server { total = total + server.metrics }
        }
        return total
    }

    /// The deployment's live replicas (pods) in creation order, each with its own series (what Prometheus holds
    /// before `sum(...)`).
    package func replicas(namespace: String, name: String) throws -> [ReplicaSnapshot] {
        let d = try existingDeployment(namespace: namespace, name: name)
        return replicas.filter { $0.deployment == d }.map { r in
            ReplicaSnapshot(name: "\(name)-\(r.id)", phase: r.phase, node: r.node.map { nodeStates[$0].node.name },
                            accelerator: r.accelerator, batchLimit: r.batchLimit, metrics: r.server?.metrics ?? VLLMMetrics())
        }
    }

    /// Arrivals and unserved demand per model, by model name.
    package var modelTraffic: [ModelTrafficSnapshot] {
        traffic.map { ModelTrafficSnapshot(model: $0.model, arrivals: $0.arrived, unserved: $0.unserved,
                                           longestWaitForReplica: $0.longestWaitForReplica) }
            .sorted { $0.model < $1.model }
    }

    private func snapshot(of d: Int) -> DeploymentSnapshot {
        let state = deploymentStates[d]
        var ready = 0, starting = 0, pending = 0, terminating = 0
        var replicaSeconds = state.retiredReplicaSeconds, cost = state.retiredCost
        for r in replicas where r.deployment == d {
            switch r.phase {
            case .pending: pending += 1
            case .starting: starting += 1
            case .ready: ready += 1
            case .draining: terminating += 1
            }
            if r.node != nil {
                replicaSeconds += now - r.boundAt
                cost += (now - r.boundAt) / 3600 * r.costPerHour
            }
        }
        let placement = try? placement(of: state.spec, on: state.spec.accelerator)
        return DeploymentSnapshot(
            namespace: state.spec.namespace, name: state.spec.name, model: state.spec.model,
            accelerator: state.spec.accelerator, gpuType: placement?.gpuType ?? "",
            cardsPerReplica: placement?.cards ?? 0,
            batchLimit: placement.map { batchLimit(of: d, profile: $0.profile) } ?? 0,
            desiredReplicas: state.desired, readyReplicas: ready, startingReplicas: starting,
            pendingReplicas: pending, terminatingReplicas: terminating, replicaSeconds: replicaSeconds, cost: cost)
    }
}
