import Foundation
import InfernoControl
import InfernoMIP

/// One piece of a load trace's base rate. Rates in requests per minute (the unit of the upstream JSON and
/// the vLLM queries), durations in seconds.
///
/// JSON: an object with a `kind` and the fields of that kind, e.g.
/// `{"kind": "ramp", "fromPerMinute": 60, "toPerMinute": 600, "durationSeconds": 300}`.
package enum LoadSegment: Hashable, Sendable {
    /// `ratePerMinute` throughout.
    case constant(ratePerMinute: Double, durationSeconds: Double)
    /// Linear from `fromPerMinute` to `toPerMinute`.
    case ramp(fromPerMinute: Double, toPerMinute: Double, durationSeconds: Double)
    /// `fromPerMinute` until `atSeconds` into the segment, `toPerMinute` after.
    case step(fromPerMinute: Double, toPerMinute: Double, atSeconds: Double, durationSeconds: Double)
    /// `meanPerMinute + amplitudePerMinute * sin(2 pi (t / periodSeconds + phase))`, clamped at 0; `phase` in
    /// cycles (0.25 starts at the top).
    case sine(meanPerMinute: Double, amplitudePerMinute: Double, periodSeconds: Double, phase: Double,
              durationSeconds: Double)

    package var durationSeconds: Double {
        switch self {
        case .constant(_, let d), .ramp(_, _, let d), .step(_, _, _, let d), .sine(_, _, _, _, let d): return d
        }
    }

    /// Rate at `t` seconds into the segment.
    package func rate(at t: Double) -> Double {
        switch self {
        case .constant(let r, _): return max(0, r)
        case .ramp(let from, let to, let d):
            guard d > 0 else { return max(0, to) }
            let f = min(max(t / d, 0), 1)
            return max(0, from + (to - from) * f)
        case .step(let from, let to, let at, _): return max(0, t < at ? from : to)
        case .sine(let mean, let amplitude, let period, let phase, _):
            guard period > 0 else { return max(0, mean) }
            return max(0, mean + amplitude * sin(2 * Double.pi * (t / period + phase)))
        }
    }

    /// An upper bound of the rate on `[from, to]` seconds into the segment (exact but for the sine, bounded by
    /// its crest).
    package func maxRate(from: Double, to: Double) -> Double {
        switch self {
        case .constant, .ramp: return max(rate(at: from), rate(at: to))
        case .step(let a, let b, let at, _):
            if to < at { return max(0, a) }
            if from >= at { return max(0, b) }
            return max(0, a, b)
        case .sine(let mean, let amplitude, _, _, _): return max(0, mean + abs(amplitude))
        }
    }
}

extension LoadSegment: Codable {
    private enum Kind: String, Codable { case constant, ramp, step, sine }
    private enum CodingKeys: String, CodingKey {
        case kind, ratePerMinute, fromPerMinute, toPerMinute, atSeconds, meanPerMinute, amplitudePerMinute,
             periodSeconds, phase, durationSeconds
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = try c.decode(Double.self, forKey: .durationSeconds)
        switch try c.decode(Kind.self, forKey: .kind) {
        case .constant: self = .constant(ratePerMinute: try c.decode(Double.self, forKey: .ratePerMinute), durationSeconds: d)
        case .ramp:
            self = .ramp(fromPerMinute: try c.decode(Double.self, forKey: .fromPerMinute),
                         toPerMinute: try c.decode(Double.self, forKey: .toPerMinute), durationSeconds: d)
        case .step:
            self = .step(fromPerMinute: try c.decode(Double.self, forKey: .fromPerMinute),
                         toPerMinute: try c.decode(Double.self, forKey: .toPerMinute),
                         atSeconds: try c.decode(Double.self, forKey: .atSeconds), durationSeconds: d)
        case .sine:
            self = .sine(meanPerMinute: try c.decode(Double.self, forKey: .meanPerMinute),
                         amplitudePerMinute: try c.decode(Double.self, forKey: .amplitudePerMinute),
                         periodSeconds: try c.decode(Double.self, forKey: .periodSeconds),
                         phase: try c.decodeIfPresent(Double.self, forKey: .phase) ?? 0, durationSeconds: d)
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .constant(let r, let d):
            try c.encode(Kind.constant, forKey: .kind)
            try c.encode(r, forKey: .ratePerMinute)
            try c.encode(d, forKey: .durationSeconds)
        case .ramp(let from, let to, let d):
            try c.encode(Kind.ramp, forKey: .kind)
            try c.encode(from, forKey: .fromPerMinute)
            try c.encode(to, forKey: .toPerMinute)
            try c.encode(d, forKey: .durationSeconds)
        case .step(let from, let to, let at, let d):
            try c.encode(Kind.step, forKey: .kind)
            try c.encode(from, forKey: .fromPerMinute)
            try c.encode(to, forKey: .toPerMinute)
            try c.encode(at, forKey: .atSeconds)
            try c.encode(d, forKey: .durationSeconds)
        case .sine(let mean, let amplitude, let period, let phase, let d):
            try c.encode(Kind.sine, forKey: .kind)
            try c.encode(mean, forKey: .meanPerMinute)
            try c.encode(amplitude, forKey: .amplitudePerMinute)
            try c.encode(period, forKey: .periodSeconds)
            try c.encode(phase, forKey: .phase)
            try c.encode(d, forKey: .durationSeconds)
        }
    }
}

/// A short surge laid over a trace: the rate is multiplied by `multiplier` on `[startSeconds, startSeconds +
/// durationSeconds)` (trace time). Overlapping bursts multiply.
package struct LoadBurst: Codable, Hashable, Sendable {
    package var startSeconds: Double
    package var durationSeconds: Double
    package var multiplier: Double

    package func covers(_ t: Double) -> Bool { t >= startSeconds && t < startSeconds + durationSeconds }
    package func overlaps(from: Double, to: Double) -> Bool { from < startSeconds + durationSeconds && to >= startSeconds }
}

/// The load offered to one model over time: a base rate built from segments played one after another, bursts
/// on top, and the mean token counts of its requests. Times are seconds from the trace's start; after the last
/// segment the rate stays at that segment's final value, or the trace starts again when it ``repeats``.
package struct LoadTrace: Codable, Hashable, Sendable {
    package var model: String
    package var meanInputTokens: Double
    package var meanOutputTokens: Double
    package var segments: [LoadSegment]
    package var bursts: [LoadBurst]
    /// Whether the trace plays again from its start when its segments end, bursts included, for ever (a soak
    /// run); otherwise the last rate holds. Ignored for a trace of length 0.
    package var repeats: Bool

    package init(model: String, meanInputTokens: Double, meanOutputTokens: Double, segments: [LoadSegment],
         bursts: [LoadBurst] = [], repeats: Bool = false) {
        self.model = model
        self.meanInputTokens = meanInputTokens
        self.meanOutputTokens = meanOutputTokens
        self.segments = segments
        self.bursts = bursts
        self.repeats = repeats
    }

    private enum CodingKeys: String, CodingKey { case model, meanInputTokens, meanOutputTokens, segments, bursts, repeats }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(model: try c.decode(String.self, forKey: .model),
                  meanInputTokens: try c.decode(Double.self, forKey: .meanInputTokens),
                  meanOutputTokens: try c.decode(Double.self, forKey: .meanOutputTokens),
                  segments: try c.decode([LoadSegment].self, forKey: .segments),
                  bursts: try c.decodeIfPresent([LoadBurst].self, forKey: .bursts) ?? [],
                  repeats: try c.decodeIfPresent(Bool.self, forKey: .repeats) ?? false)
    }

    /// `repeats` only when set, so traces that hold their last rate print as before.
    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(meanInputTokens, forKey: .meanInputTokens)
        try c.encode(meanOutputTokens, forKey: .meanOutputTokens)
        try c.encode(segments, forKey: .segments)
        try c.encode(bursts, forKey: .bursts)
        if repeats { try c.encode(true, forKey: .repeats) }
    }

    /// A constant rate for ever.
    package static func constant(model: String, ratePerMinute: Double, meanInputTokens: Double, meanOutputTokens: Double)
        -> LoadTrace
    {
        LoadTrace(model: model, meanInputTokens: meanInputTokens, meanOutputTokens: meanOutputTokens,
                  segments: [.constant(ratePerMinute: ratePerMinute, durationSeconds: 0)])
    }

    /// Total length of the segments.
    package var durationSeconds: Double { segments.reduce(0) { $0 + max(0, $1.durationSeconds) } }

    /// The segment in force at `t` and `t` relative to its start; the last segment (held) past the end.
    private func segment(at t: Double) -> (LoadSegment, offset: Double)? {
        var start = 0.0
        for (i, s) in segments.enumerated() {
            let d = max(0, s.durationSeconds)
            if t < start + d || i == segments.count - 1 { return (s, min(t - start, d)) }
            start += d
        }
        return nil
    }

    private func burstFactor(at t: Double) -> Double {
        bursts.reduce(1) { $1.covers(t) ? $0 * max(0, $1.multiplier) : $0 }
    }

    /// The period of a repeating trace; nil when the trace does not repeat.
    private var period: Double? {
        let d = durationSeconds
        return repeats && d > 0 ? d : nil
    }

    /// Requests per minute at `t` seconds.
    package func rate(at t: Double) -> Double {
        let t = period.map { t >= 0 ? t.truncatingRemainder(dividingBy: $0) : t } ?? t
        guard let (s, offset) = segment(at: t) else { return 0 }
        return s.rate(at: offset) * burstFactor(at: t)
    }

    /// An upper bound of ``rate(at:)`` on `[from, to]`, for thinning.
    package func maxRate(from: Double, to: Double) -> Double {
        guard let p = period, from >= 0 else { return onceMaxRate(from: from, to: to) }
        if to - from >= p { return onceMaxRate(from: 0, to: p) }
        let a = from.truncatingRemainder(dividingBy: p), b = to.truncatingRemainder(dividingBy: p)
        return a <= b ? onceMaxRate(from: a, to: b) : max(onceMaxRate(from: a, to: p), onceMaxRate(from: 0, to: b))
    }

    /// ``maxRate(from:to:)`` of one play of the trace (the last rate held after it).
    private func onceMaxRate(from: Double, to: Double) -> Double {
        var bound = 0.0
        var start = 0.0
        for (i, s) in segments.enumerated() {
            let d = max(0, s.durationSeconds)
            let end = i == segments.count - 1 ? Double.infinity : start + d
            if from < end && to >= start {
                let a = max(from, start) - start, b = min(to, end) - start
                bound = max(bound, s.maxRate(from: min(a, d), to: min(b, d)))
            }
            start += d
        }
        var factor = 1.0
        for burst in bursts where burst.overlaps(from: from, to: to) { factor *= max(1, burst.multiplier) }
        return bound * factor
    }

    /// The rate is 0 from `t` on for ever.
    package func isSilent(after t: Double) -> Bool { maxRate(from: t, to: .infinity) == 0 }
}
