/// Order statistics over seeds.
public enum Stats {
    /// The `q` quantile (0...1) by linear interpolation between order statistics (R's type 7): with 5 values
    /// the p95 lies between the largest two.
    public static func quantile(_ values: [Double], _ q: Double) -> Double {
        let v = values.filter { !$0.isNaN }.sorted()
        guard !v.isEmpty else { return .nan }
        let h = Double(v.count - 1) * q
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, v.count - 1)
        return v[lo] + (h - Double(lo)) * (v[hi] - v[lo])
    }

    public static func median(_ values: [Double]) -> Double { quantile(values, 0.5) }
    public static func p95(_ values: [Double]) -> Double { quantile(values, 0.95) }
}
