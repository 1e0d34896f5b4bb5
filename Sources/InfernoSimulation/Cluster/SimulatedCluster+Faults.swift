import InfernoControl
import InfernoMIP

/// A fault injected into a deployment's pods, for the chaos tests (docs/robustness.md).
package enum ReplicaFault: Hashable, Sendable {
    /// Pods bind and hold their cards but never pass readiness (a bad image, a failing probe). Pods already ready
    /// keep serving; pods that start from now on, or are starting, never get traffic.
    case neverReady
    /// Pods become ready, serve for `upSeconds`, then crash: what they hold is aborted (counted) and they restart
    /// in place, keeping node and cards, ready again a start-up delay later (CrashLoopBackOff without the
    /// growing back-off).
    case crashLoop(upSeconds: Double)
}

extension SimulatedCluster {
    /// A node is lost (a machine failure): its cards leave the cluster, the requests its replicas held are
    /// aborted (counted), their counters stay with their deployments, and every replica it ran that was not
    /// stopping is replaced by a new pending one, as a ReplicaSet replaces lost pods; those are scheduled where
    /// cards are left, or stay pending.
    package mutating func loseNode(named name: String) throws {
        guard let n = nodeStates.firstIndex(where: { $0.node.name == name && !$0.lost }) else {
            throw SimulationError.invalidScenario("node \"\(name)\" does not exist")
        }
        // No capacity first (`free` is 0), so that the terminations below schedule nothing onto it.
        nodeStates[n].lost = true
        let victims = replicas.filter { $0.node == n }.map { (id: $0.id, deployment: $0.deployment, draining: $0.isDraining) }
        for victim in victims {
            guard let i = replicas.firstIndex(where: { $0.id == victim.id }) else { continue }
            replicas[i].server?.advance(to: now)
            _ = replicas[i].server?.abortAll()
            terminate(i)
            if !victim.draining { try createReplica(of: victim.deployment) }
        }
        nodeStates[n].allocated = [:]
        schedulePending()
        reindex()
    }

    /// Injects (or, with nil, clears) a fault into a deployment's pods. Clearing lets never-ready pods finish
    /// starting (ready a start-up delay after they bound, or now) and stops the crashes.
    package mutating func setReplicaFault(_ fault: ReplicaFault?, namespace: String, name: String) throws {
        let d = try existingDeployment(namespace: namespace, name: name)
        deploymentStates[d].fault = fault
        for i in replicas.indices where replicas[i].deployment == d {
            switch (replicas[i].phase, fault) {
            case (.starting(let readyAt), nil) where readyAt == .infinity:
                replicas[i].phase = .starting(readyAt: max(now, replicas[i].boundAt + configuration.startupDelaySeconds))
            case (.ready, .crashLoop(let up)):
                replicas[i].crashAt = now + max(0, up)
            case (.ready, _):
                replicas[i].crashAt = nil
            default:
                break
            }
        }
        reindex()
    }

    /// Cards per GPU type on the nodes that are not lost; every type a node ever had is listed (0 when none is
    /// left), so a lost type reads as no capacity rather than as an unknown one. Without a loss, the scenario's.
    package var capacity: Capacity {
        var cards: [String: Int] = [:]
        for n in nodeStates {
            for (type, count) in n.node.gpus { cards[type, default: 0] += n.lost ? 0 : count }
        }
        return Capacity(cards)
    }

    /// A ready replica of a crash-looping deployment crashes: its requests are aborted, its counters kept, and it
    /// starts again on its node.
    package mutating func crash(_ i: Int) {
        guard replicas[i].phase == .ready, let at = replicas[i].crashAt, at <= now else { return }
        if var server = replicas[i].server {
            server.advance(to: now)
            _ = server.abortAll()
            deploymentStates[replicas[i].deployment].retired = deploymentStates[replicas[i].deployment].retired + server.metrics.countersOnly
        }
        replicas[i].server = nil
        replicas[i].crashAt = nil
        replicas[i].phase = .starting(readyAt: now + max(0, configuration.startupDelaySeconds))
        reindex()
    }
}
