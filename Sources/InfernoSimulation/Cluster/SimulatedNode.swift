/// A Kubernetes node of the simulated cluster and the GPU cards it offers, by GPU type (the product label,
/// e.g. `NVIDIA-A100-PCIE-80GB`, FORMATS.md §4).
struct SimulatedNode: Codable, Hashable, Sendable {
    var name: String
    var gpus: [String: Int]

    init(name: String, gpus: [String: Int]) {
        self.name = name
        self.gpus = gpus
    }
}

/// A node as the controller would read it: allocatable cards and the cards bound to replicas.
struct NodeSnapshot: Hashable, Sendable {
    var name: String
    /// `status.allocatable["<vendor>/gpu"]` by GPU type.
    var capacity: [String: Int]
    /// Cards held by replicas (starting, ready or stopping) by GPU type.
    var allocated: [String: Int]

    func free(_ gpuType: String) -> Int { (capacity[gpuType] ?? 0) - (allocated[gpuType] ?? 0) }
}
