import InfernoControl
import InfernoMIP

/// How a model's arrivals are spread over the ready replicas serving it (all its deployments together).
package enum RoutingPolicy: String, Codable, Hashable, Sendable, CaseIterable {
    /// Uniformly at random, as a plain Kubernetes Service (kube-proxy in iptables mode) does. Keeps each
    /// replica's arrivals Poisson: the analyzer's assumption.
    case random
    /// In turn (kube-proxy IPVS `rr`). Smoother than Poisson per replica.
    case roundRobin
    /// To the replica with the fewest requests in it (running plus waiting), ties in turn: a load-aware
    /// gateway such as llm-d's inference scheduler. Beats the analyzer's per-replica prediction.
    case leastLoaded
    /// Like llm-d's endpoint picker (the inference scheduler's default queue and KV-cache scorers, equal
    /// weights): each ready replica scores `(maxQ − q)/(maxQ − minQ)` on its waiting requests `q` (1 when all
    /// are equal) plus `1 − running/batchLimit` (its KV-cache use, as the share of its batch slots taken); the
    /// best score wins, ties at random. A replica with more batch slots takes proportionally more, so the split
    /// follows capacity, not replica count: the default.
    case loadAware
}

/// A vLLM Deployment in the simulated cluster: one variant of a model on one accelerator.
package struct SimulatedDeploymentSpec: Codable, Hashable, Sendable {
    package var namespace: String
    package var name: String
    package var model: String
    /// Name of the accelerator the replicas run on now (the `inference.optimization/acceleratorName` label).
    package var accelerator: String
    /// The model's profile per accelerator it can run on; must include ``accelerator``.
    package var profiles: [ModelProfile]
    /// Initial `spec.replicas`.
    package var replicas: Int
    /// Explicit batch limit (vLLM `--max-num-seqs`); without it each replica takes upstream's
    /// `max(1, maxBatchSize * atTokens / O)` for the model's mean output length `O`.
    package var maxBatchSize: Int?
    /// Waiting-queue limit per replica; default `10 * N`.
    package var queueLimit: Int?
    /// The class's targets for the model, so the simulation can referee each request (not seen by the controller).
    package var sloTarget: SLOTarget?
    /// What the replicas really run, per accelerator, when it differs from ``profiles`` (not seen by the
    /// controller): ``SimulatedVariant/trueProfiles``.
    package var trueProfiles: [ModelProfile]? = nil

    package init(namespace: String, name: String, model: String, accelerator: String, profiles: [ModelProfile],
         replicas: Int, maxBatchSize: Int? = nil, queueLimit: Int? = nil, sloTarget: SLOTarget? = nil) {
        self.sloTarget = sloTarget
        self.namespace = namespace
        self.name = name
        self.model = model
        self.accelerator = accelerator
        self.profiles = profiles
        self.replicas = replicas
        self.maxBatchSize = maxBatchSize
        self.queueLimit = queueLimit
    }

    package func profile(for accelerator: String) -> ModelProfile? { profiles.first { $0.accelerator == accelerator } }
    /// The profile a replica on `accelerator` runs: its true one when the scenario gives it, else the configured.
    package func serverProfile(for accelerator: String) -> ModelProfile? {
        trueProfiles?.first { $0.accelerator == accelerator } ?? profile(for: accelerator)
    }
    package var qualifiedName: String { "\(namespace)/\(name)" }
}

/// A deployment as the controller would read it (spec and status), plus what the simulation accounts.
package struct DeploymentSnapshot: Hashable, Sendable {
    package var namespace: String
    package var name: String
    package var model: String
    package var accelerator: String
    package var gpuType: String
    /// Cards of ``gpuType`` one replica holds: the profile's accelerator count times the accelerator's
    /// multiplicity.
    package var cardsPerReplica: Int
    /// Batch limit `N` of new replicas.
    package var batchLimit: Int
    /// `spec.replicas`.
    package var desiredReplicas: Int
    /// Replicas serving traffic (`status.readyReplicas`).
    package var readyReplicas: Int
    /// Bound to a node, loading the model, not yet ready.
    package var startingReplicas: Int
    /// Not scheduled: no node has enough free cards of the type (pod phase `Pending`, `Unschedulable`).
    package var pendingReplicas: Int
    /// Stopping: finishing their requests, receiving none (not counted in ``currentReplicas``).
    package var terminatingReplicas: Int
    /// Replica-seconds of card holding (starting, ready, stopping) since the start.
    package var replicaSeconds: Double
    /// What those replicas cost, from the accelerators' hourly costs.
    package var cost: Double

    /// `status.replicas`: pods that exist and are not terminating.
    package var currentReplicas: Int { readyReplicas + startingReplicas + pendingReplicas }
}

/// Arrivals of one model, and those no replica could take.
package struct ModelTrafficSnapshot: Hashable, Sendable {
    package var model: String
    /// Requests that arrived at the router.
    package var arrivals: Int
    /// Requests dropped at the router because no replica of the model was ready: unserved demand.
    package var unserved: Int
    /// Longest time from a request finding no ready replica to the next replica of the model becoming ready,
    /// seconds: the delay of scaling from zero. `nil` when no request ever waited for a replica.
    package var longestWaitForReplica: Double? = nil
    /// Arrivals handed to a replica (which may still reject them when its queue is full).
    package var routed: Int { arrivals - unserved }
}

/// One live replica (pod) of a deployment.
package struct ReplicaSnapshot: Hashable, Sendable {
    /// `<deployment>-<creation number>`.
    package var name: String
    package var phase: SimulatedReplica.Phase
    /// The node it is bound to; `nil` while pending.
    package var node: String?
    package var accelerator: String
    package var batchLimit: Int
    /// Its own metrics (empty before it is ready).
    package var metrics: VLLMMetrics
}
