/// A kind of accelerator a replica can run on, e.g. `A100` or `4xH100`.
///
/// Capacity is counted in cards of ``type``; one accelerator holds ``multiplicity`` of them.
public struct Accelerator: Codable, Hashable, Sendable {
    /// Name used by profiles and allocations (`A100`, `MI300X`, `4xH100`).
    public var name: String
    /// The GPU type whose cards this accelerator consumes (`NVIDIA-A100-PCIE-80GB`).
    public var type: String
    /// Cards of ``type`` in one accelerator (4 for `4xA100`).
    public var multiplicity: Int
    /// Memory per card, GB (informational).
    public var memoryGB: Double
    /// Cost of one accelerator per hour; already covers its ``multiplicity``.
    public var costPerHour: Double

    public init(name: String, type: String, multiplicity: Int = 1, memoryGB: Double = 0, costPerHour: Double) {
        self.name = name
        self.type = type
        self.multiplicity = multiplicity
        self.memoryGB = memoryGB
        self.costPerHour = costPerHour
    }
}
