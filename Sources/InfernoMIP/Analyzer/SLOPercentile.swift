import Foundation
import InfernoFormats

/// Which statistic of a latency the target bounds: the TTFT's (``ReplicaSizer/percentile``, below) or the ITL's
/// (``ReplicaSizer/itlPercentile``, the quantile of a request's own mean ITL from ``ITLDistribution``).
///
/// For the TTFT, the seed controller bounded the 95th percentile: taking the waiting time as exponential, its `p`-quantile is
/// `-ln(1 - p)` times its mean (about 3.0 at `p = 0.95`). Later upstream versions bounded the mean.
public enum SLOPercentile: Hashable, Sendable, CustomStringConvertible {
    case mean
    case quantile(Double)

    /// The seed's setting.
    public static let seed = SLOPercentile.quantile(0.95)

    /// The factor applied to the mean wait.
    public var waitFactor: Double {
        switch self {
        case .mean: 1
        case .quantile(let p): -log(1 - p)
        }
    }

    /// TTFT checked against the target: the wait at this percentile plus the rest of the mean TTFT (the
    /// prefill, and in the per-iteration model the first decode iteration).
    public func ttft(_ metrics: QueueMetrics) -> Double {
        metrics.ttftMilliseconds + metrics.waitMilliseconds * (waitFactor - 1)
    }

    public var description: String {
        switch self {
        case .mean: "mean"
        case .quantile(let p): "p\(Int((p * 100).rounded()))"
        }
    }

    /// Parses `mean`, `p95`, `0.95` or `95`.
    public init?(parsing text: String) {
        let t = text.lowercased()
        if t == "mean" { self = .mean; return }
        let digits = t.hasPrefix("p") ? String(t.dropFirst()) : t
        guard var value = DecimalNumber.parse(digits) else { return nil }
        if value >= 1 { value /= 100 }
        guard value > 0, value < 1 else { return nil }
        self = .quantile(value)
    }
}
