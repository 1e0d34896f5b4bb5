import InfernoControl
import InfernoMIP

/// One pod of a simulated Deployment: where it is in its life, the cards it holds and, once ready, its server.
package struct SimulatedReplica: Sendable {
    package enum Phase: Hashable, Sendable {
        /// Not scheduled: no node has enough free cards of its GPU type.
        case pending
        /// Bound to a node, holding its cards, loading the model until `readyAt`.
        case starting(readyAt: Double)
        /// Receiving traffic.
        case ready
        /// Stopping: receives nothing new, finishes what it holds, is killed at `deadline` (the grace period).
        case draining(deadline: Double)
    }

    /// Creation order across the cluster; the scheduler serves pending replicas in this order.
    package let id: Int
    /// Index of the deployment in the cluster.
    package let deployment: Int
    /// Index of the model's traffic in the cluster.
    package let model: Int
    package let accelerator: String
    package let gpuType: String
    package let cards: Int
    package let costPerHour: Double
    package let profile: ModelProfile
    package let batchLimit: Int
    package let queueLimit: Int?
    package var sloTarget: SLOTarget? = nil
    /// The profile its server runs, when it differs from ``profile`` (a wrong profile, docs/simulation.md).
    package var trueProfile: ModelProfile? = nil

    package var phase: Phase = .pending
    /// Index of the node it is bound to.
    package var node: Int?
    /// When it was bound (started holding cards).
    package var boundAt: Double = 0
    /// The emulated vLLM, from readiness on.
    package var server: EmulatedServer?
    /// When a ready replica of a crash-looping deployment crashes (``ReplicaFault/crashLoop(upSeconds:)``).
    package var crashAt: Double?

    package var isDraining: Bool { if case .draining = phase { true } else { false } }

    /// Removal order on scale-down, as a ReplicaSet's: unscheduled first, then not ready, then ready; the
    /// newest first within each.
    package var scaleDownRank: (Int, Int) {
        switch phase {
        case .pending: (0, -id)
        case .starting: (1, -id)
        case .ready, .draining: (2, -id)
        }
    }
}
