import Foundation
import InfernoFormats
import InfernoMIP

/// The ranges of a scenario's values (``InputLimits`` and the physics: rates and durations are not negative,
/// requests produce at least one token), and the legal but surely wrong: a variant on an accelerator no node has,
/// a load for a model no variant serves. Field paths are the scenario JSON's.
extension SimulationScenario {
    /// Longest simulated run, seconds (a year).
    package static let maxDurationSeconds = 365 * 86_400.0

    package func boundsProblems() -> [String] {
        var out: [String] = []
        func check(_ v: Double, _ field: String, _ range: ClosedRange<Double>, open lower: Bool = false) {
            if !v.isFinite || !range.contains(v) || (lower && v == range.lowerBound) {
                out.append("\(field) is \(formatNumber(v)) (must be \(lower ? ">" : ">=") \(formatNumber(range.lowerBound)) and <= \(formatNumber(range.upperBound)))")
            }
        }
        func check(_ v: Int, _ field: String, _ range: ClosedRange<Int>) {
            if !range.contains(v) { out.append("\(field) is \(v) (must be in [\(range.lowerBound), \(range.upperBound)])") }
        }
        check(durationSeconds, "durationSeconds", 0...Self.maxDurationSeconds, open: true)
        check(startupDelaySeconds, "startupDelaySeconds", 0...Self.maxDurationSeconds)
        check(drainGraceSeconds, "drainGraceSeconds", 0...Self.maxDurationSeconds)
        for n in nodes {
            for (type, count) in n.gpus.sorted(by: { $0.key < $1.key }) {
                check(count, "node \"\(n.name)\": gpus[\"\(type)\"]", 0...InputLimits.cards)
            }
        }
        for a in accelerators {
            check(a.multiplicity, "accelerator \"\(a.name)\": multiplicity", 1...InputLimits.cardsPerReplica)
            check(a.costPerHour, "accelerator \"\(a.name)\": costPerHour", 0...InputLimits.cost)
        }
        for v in variants {
            let e = "variant \"\(v.namespace)/\(v.name)\": "
            check(v.initialReplicas, e + "initialReplicas", 0...InputLimits.replicas)
            check(v.minReplicas, e + "minReplicas", 0...InputLimits.replicas)
            if let m = v.maxReplicas { check(m, e + "maxReplicas", 0...InputLimits.replicas) }
            if let b = v.maxBatchSize { check(b, e + "maxBatchSize", 1...InputLimits.batchSize) }
            for p in v.profiles {
                let pe = e + "profile on \"\(p.accelerator)\": "
                check(p.acceleratorCount, pe + "acceleratorCount", 1...InputLimits.cardsPerReplica)
                check(p.maxBatchSize, pe + "maxBatchSize", 1...InputLimits.batchSize)
                check(Double(p.atTokens), pe + "atTokens", 1...InputLimits.tokens)
                switch p.performance {
                case .seed(let d, let f):
                    check(d.alpha, pe + "decode.alpha", 0...InputLimits.milliseconds, open: true)
                    check(d.beta, pe + "decode.beta", 0...InputLimits.milliseconds)
                    check(f.gamma, pe + "prefill.gamma", 0...InputLimits.milliseconds)
                    check(f.delta, pe + "prefill.delta", 0...InputLimits.milliseconds)
                case .perIteration(let i):
                    check(i.alpha, pe + "alpha", 0...InputLimits.milliseconds, open: true)
                    check(i.beta, pe + "beta", 0...InputLimits.milliseconds)
                    check(i.gamma, pe + "gamma", 0...InputLimits.milliseconds)
                    check(Double(i.maxNumTokens), pe + "maxNumTokens", 1...InputLimits.tokens)
                }
            }
        }
        for trace in loads { out += trace.boundsProblems() }
        return out
    }

    /// Accepted, but almost surely not what was meant.
    package var warnings: [String] {
        var out: [String] = []
        let types = Set(nodes.flatMap { $0.gpus.filter { $0.value > 0 }.map(\.key) })
        let typeOf = Dictionary(accelerators.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
        for v in variants {
            if let type = typeOf[v.accelerator], !types.contains(type) {
                out.append("variant \"\(v.namespace)/\(v.name)\": accelerator \"\(v.accelerator)\" (\(type)) is on no node; its replicas stay pending")
            }
        }
        let served = Set(variants.map(\.model))
        for trace in loads where !served.contains(trace.model) {
            out.append("load for model \"\(trace.model)\": no variant serves this model; its traffic is dropped")
        }
        return out
    }
}

extension LoadTrace {
    package func boundsProblems() -> [String] {
        var out: [String] = []
        let e = "load for model \"\(model)\": "
        func check(_ v: Double, _ field: String, _ range: ClosedRange<Double>) {
            if !v.isFinite || !range.contains(v) {
                out.append(e + "\(field) is \(formatNumber(v)) (must be in [\(formatNumber(range.lowerBound)), \(formatNumber(range.upperBound))])")
            }
        }
        check(meanInputTokens, "meanInputTokens", 0...InputLimits.tokens)
        check(meanOutputTokens, "meanOutputTokens", 1...InputLimits.tokens)
        if segments.isEmpty { out.append(e + "segments is empty") }
        let rates = 0...InputLimits.ratePerMinute, durations = 0...SimulationScenario.maxDurationSeconds
        for (i, s) in segments.enumerated() {
            let f = "segments[\(i)]."
            check(s.durationSeconds, f + "durationSeconds", durations)
            // Duration 0 holds the rate for ever: only the last segment may, or the ones after it start early.
            if s.durationSeconds == 0, i < segments.count - 1 {
                out.append(e + f + "durationSeconds is 0 (only the last segment may have 0, which holds it for ever)")
            }
            switch s {
            case .constant(let r, _): check(r, f + "ratePerMinute", rates)
            case .ramp(let a, let b, _):
                check(a, f + "fromPerMinute", rates); check(b, f + "toPerMinute", rates)
            case .step(let a, let b, let at, let d):
                check(a, f + "fromPerMinute", rates); check(b, f + "toPerMinute", rates)
                check(at, f + "atSeconds", 0...max(0, d.isFinite ? d : 0))
            case .sine(let mean, let amplitude, let period, let phase, _):
                check(mean, f + "meanPerMinute", rates)
                check(amplitude, f + "amplitudePerMinute", -InputLimits.ratePerMinute...InputLimits.ratePerMinute)
                check(period, f + "periodSeconds", 1e-3...SimulationScenario.maxDurationSeconds)
                check(phase, f + "phase", -1e6...1e6)
            }
        }
        for (i, b) in bursts.enumerated() {
            check(b.startSeconds, "bursts[\(i)].startSeconds", durations)
            check(b.durationSeconds, "bursts[\(i)].durationSeconds", durations)
            check(b.multiplier, "bursts[\(i)].multiplier", 0...1e6)
        }
        return out
    }
}
