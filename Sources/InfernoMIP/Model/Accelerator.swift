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

    private enum CodingKeys: String, CodingKey { case name, type, multiplicity, memoryGB, costPerHour }

    /// `multiplicity` (1) and `memoryGB` (0) may be left out, as in the initializer.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try c.decode(String.self, forKey: .name), type: try c.decode(String.self, forKey: .type),
                  multiplicity: try c.decodeIfPresent(Int.self, forKey: .multiplicity) ?? 1,
                  memoryGB: try c.decodeIfPresent(Double.self, forKey: .memoryGB) ?? 0,
                  costPerHour: try c.decode(Double.self, forKey: .costPerHour))
    }
}
