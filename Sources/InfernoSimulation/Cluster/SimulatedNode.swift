import InfernoControl
import InfernoMIP

/// A Kubernetes node of the simulated cluster and the GPU cards it offers, by GPU type (the product label,
/// e.g. `NVIDIA-A100-PCIE-80GB`, docs/formats.md §4).
package struct SimulatedNode: Codable, Hashable, Sendable {
    package var name: String
    package var gpus: [String: Int]

    package init(name: String, gpus: [String: Int]) {
        self.name = name
        self.gpus = gpus
    }
}

/// A node as the controller would read it: allocatable cards and the cards bound to replicas.
package struct NodeSnapshot: Hashable, Sendable {
    package var name: String
    /// `status.allocatable["<vendor>/gpu"]` by GPU type.
    package var capacity: [String: Int]
    /// Cards held by replicas (starting, ready or stopping) by GPU type.
    package var allocated: [String: Int]

    package func free(_ gpuType: String) -> Int { (capacity[gpuType] ?? 0) - (allocated[gpuType] ?? 0) }
}
