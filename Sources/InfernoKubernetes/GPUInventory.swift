import InfernoControl
import InfernoMIP

/// GPU cards per product, from node labels and allocatable resources (docs/formats.md §4).
package enum GPUInventory {
    package static let vendors = ["nvidia.com", "amd.com", "intel.com"]

    /// The GPUs of one vendor on one node.
    package struct NodeGPUs: Sendable, Hashable {
        package var node: String
        package var vendor: String
        /// `<vendor>/gpu.product`, e.g. `NVIDIA-A100-PCIE-80GB`: the accelerators' `type`.
        package var product: String
        /// Allocatable `<vendor>/gpu`.
        package var count: Int
        /// `<vendor>/gpu.memory`, MB, when labelled.
        package var memoryMB: Int?
    }

    package static func gpus(on node: KubeNode) -> (gpus: [NodeGPUs], problems: [String]) {
        var out: [NodeGPUs] = []
        var problems: [String] = []
        let labels = node.metadata.labels ?? [:]
        for vendor in vendors {
            guard let quantity = node.status?.allocatable?["\(vendor)/gpu"] else { continue }
            guard let count = Int(quantity.trimmingCharacters(in: .whitespaces)), count >= 0 else {
                problems.append("node \(node.metadata.name): allocatable \(vendor)/gpu \"\(quantity)\" is not a card count")
                continue
            }
            guard count > 0 else { continue }
            guard let product = labels["\(vendor)/gpu.product"], !product.isEmpty else {
                problems.append("node \(node.metadata.name): \(count) \(vendor)/gpu but no \(vendor)/gpu.product label; not counted")
                continue
            }
            out.append(NodeGPUs(node: node.metadata.name, vendor: vendor, product: product, count: count,
                                memoryMB: labels["\(vendor)/gpu.memory"].flatMap { Int($0) }))
        }
        return (out, problems)
    }

    /// Cards per GPU product over all nodes.
    package static func capacity(of nodes: [KubeNode]) -> (capacity: Capacity, gpus: [NodeGPUs], problems: [String]) {
        var cards: [String: Int] = [:]
        var all: [NodeGPUs] = []
        var problems: [String] = []
        for node in nodes.sorted(by: { $0.metadata.name < $1.metadata.name }) {
            let (gpus, p) = gpus(on: node)
            problems += p
            for g in gpus { cards[g.product, default: 0] += g.count }
            all += gpus
        }
        return (Capacity(cards), all, problems)
    }
}
