import Foundation
import Prometheus

/// The controller's `/metrics`: gauges and counters with labels, declared once by family, exposed in Prometheus'
/// text format by swift-prometheus's `PrometheusCollectorRegistry` (the exposition format, its escaping and value
/// spelling are that library's; docs/dependencies.md says why we adopted it).
///
/// What this type adds on top: families declared with their kind, help and label names up front (a sample with other
/// labels is a programming error), `replaceGauge` (a deleted variant's series disappear instead of freezing at their
/// last value), and `value` for tests and logs. Thread-safe; the controller writes once per cycle and the `/metrics`
/// handler reads.
package final class MetricsRegistry: @unchecked Sendable {
    package enum Kind: String, Sendable { case gauge, counter }

    package struct Family: Sendable {
        package var name: String
        package var help: String
        package var kind: Kind
        package var labelNames: [String]
    }

    /// One labelled series: the library's collector and the value last written to it.
    private struct Series {
        var gauge: Gauge?
        var counter: Counter?
        var value: Double
    }

    private let exporter = PrometheusCollectorRegistry()
    private let lock = NSLock()
    // Guarded by `lock`.
    private var families: [String: Family] = [:]
    private var series: [String: [[String]: Series]] = [:]

    package init() {}

    /// Declares a family (idempotent for the same name, kind and labels).
    package func register(_ name: String, kind: Kind, help: String, labels: [String] = []) {
        precondition(Self.isValidName(name), "invalid metric name \(name)")
        lock.withLock {
            if let known = families[name] {
                precondition(known.kind == kind && known.labelNames == labels, "metric \(name) registered twice differently")
                return
            }
            families[name] = Family(name: name, help: help, kind: kind, labelNames: labels)
        }
    }

    /// Sets a gauge sample.
    package func set(_ name: String, _ labels: [String: String] = [:], to value: Double) {
        lock.withLock {
            let family = self.family(name, expecting: .gauge)
            let key = Self.key(labels, family)
            var sample = series[name, default: [:]][key] ?? Series(gauge: makeGauge(family, key), value: 0)
            sample.gauge?.set(value)
            sample.value = value
            series[name, default: [:]][key] = sample
        }
    }

    /// Adds to a counter sample (created at 0); `amount` must not be negative.
    package func increment(_ name: String, _ labels: [String: String] = [:], by amount: Double = 1) {
        precondition(amount >= 0, "counter \(name) decremented")
        lock.withLock {
            let family = self.family(name, expecting: .counter)
            let key = Self.key(labels, family)
            var sample = series[name, default: [:]][key]
                ?? Series(counter: exporter.makeCounter(name: name, labels: Self.pairs(family, key), help: family.help), value: 0)
            sample.counter?.increment(by: amount)
            sample.value += amount
            series[name, default: [:]][key] = sample
        }
    }

    /// Replaces every sample of a gauge family: series not listed disappear (a deleted variant stops being
    /// published instead of freezing at its last value).
    package func replaceGauge(_ name: String, with samples: [([String: String], Double)]) {
        lock.withLock {
            let family = self.family(name, expecting: .gauge)
            var fresh: [[String]: Series] = [:]
            for (labels, value) in samples {
                let key = Self.key(labels, family)
                var sample = series[name]?[key] ?? fresh[key] ?? Series(gauge: makeGauge(family, key), value: 0)
                sample.gauge?.set(value)
                sample.value = value
                fresh[key] = sample
            }
            for (key, stale) in series[name] ?? [:] where fresh[key] == nil {
                if let gauge = stale.gauge { exporter.unregisterGauge(gauge) }
            }
            series[name] = fresh
        }
    }

    /// The current value of a sample (tests, logs).
    package func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        lock.withLock {
            guard let family = families[name], Set(labels.keys) == Set(family.labelNames) else { return nil }
            return series[name]?[family.labelNames.map { labels[$0]! }]?.value
        }
    }

    /// Every series in the text exposition format.
    package func exposition() -> String {
        exporter.emitToString()
    }

    package static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    // Called with `lock` held.
    private func family(_ name: String, expecting kind: Kind) -> Family {
        guard let family = families[name] else { preconditionFailure("metric \(name) not registered") }
        precondition(family.kind == kind, "\(name) is a \(family.kind.rawValue), not a \(kind.rawValue)")
        return family
    }

    private func makeGauge(_ family: Family, _ key: [String]) -> Gauge {
        exporter.makeGauge(name: family.name, labels: Self.pairs(family, key), help: family.help)
    }

    private static func key(_ labels: [String: String], _ family: Family) -> [String] {
        precondition(Set(labels.keys) == Set(family.labelNames),
                     "\(family.name): labels \(labels.keys.sorted()) are not \(family.labelNames)")
        return family.labelNames.map { labels[$0]! }
    }

    private static func pairs(_ family: Family, _ key: [String]) -> [(String, String)] {
        Array(zip(family.labelNames, key))
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    package static func isValidName(_ s: String) -> Bool {
        func letter(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" || c == ":" }
        guard let first = s.unicodeScalars.first, letter(first) else { return false }
        return s.unicodeScalars.allSatisfy { letter($0) || ("0"..."9").contains($0) }
    }
}
