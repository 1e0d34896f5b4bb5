import Foundation

/// A small Prometheus registry: gauges and counters with labels, rendered in the text exposition format (0.0.4).
///
/// Families keep their registration order; samples are sorted by label values, so the output is deterministic.
/// Thread-safe; the controller writes once per cycle and the `/metrics` handler reads.
package final class MetricsRegistry: @unchecked Sendable {
    package enum Kind: String, Sendable { case gauge, counter }

    package struct Family: Sendable {
        package var name: String
        package var help: String
        package var kind: Kind
        package var labelNames: [String]
        /// Label values (in `labelNames` order) → value.
        package var samples: [[String]: Double] = [:]
    }

    private let lock = NSLock()
    // Guarded by `lock`.
    private var families: [Family] = []
    private var index: [String: Int] = [:]

    package init() {}

    /// Declares a family (idempotent for the same name and kind).
    package func register(_ name: String, kind: Kind, help: String, labels: [String] = []) {
        precondition(Self.isValidName(name), "invalid metric name \(name)")
        lock.withLock {
            if let i = index[name] {
                precondition(families[i].kind == kind && families[i].labelNames == labels, "metric \(name) registered twice differently")
                return
            }
            index[name] = families.count
            families.append(Family(name: name, help: help, kind: kind, labelNames: labels))
        }
    }

    /// Sets a gauge sample.
    package func set(_ name: String, _ labels: [String: String] = [:], to value: Double) {
        update(name, labels, expecting: .gauge) { _ in value }
    }

    /// Adds to a counter sample (created at 0); `amount` must not be negative.
    package func increment(_ name: String, _ labels: [String: String] = [:], by amount: Double = 1) {
        precondition(amount >= 0, "counter \(name) decremented")
        update(name, labels, expecting: .counter) { ($0 ?? 0) + amount }
    }

    /// Replaces every sample of a gauge family: series not listed disappear (a deleted variant stops being
    /// published instead of freezing at its last value).
    package func replaceGauge(_ name: String, with samples: [([String: String], Double)]) {
        lock.withLock {
            guard let i = index[name] else { preconditionFailure("metric \(name) not registered") }
            precondition(families[i].kind == .gauge, "\(name) is not a gauge")
            var fresh: [[String]: Double] = [:]
            for (labels, value) in samples { fresh[Self.key(labels, families[i].labelNames, name)] = value }
            families[i].samples = fresh
        }
    }

    /// The current value of a sample (tests, logs).
    package func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        lock.withLock {
            guard let i = index[name] else { return nil }
            return families[i].samples[Self.key(labels, families[i].labelNames, name)]
        }
    }

    /// The whole registry in the text exposition format.
    package func exposition() -> String {
        let snapshot = lock.withLock { families }
        var out = ""
        for family in snapshot {
            out += "# HELP \(family.name) \(Self.escapeHelp(family.help))\n"
            out += "# TYPE \(family.name) \(family.kind.rawValue)\n"
            for (values, value) in family.samples.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
                out += family.name
                if !values.isEmpty {
                    out += "{" + zip(family.labelNames, values).map { "\($0)=\"\(Self.escapeLabelValue($1))\"" }
                        .joined(separator: ",") + "}"
                }
                out += " " + Self.format(value) + "\n"
            }
        }
        return out
    }

    package static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private func update(_ name: String, _ labels: [String: String], expecting kind: Kind, _ f: (Double?) -> Double) {
        lock.withLock {
            guard let i = index[name] else { preconditionFailure("metric \(name) not registered") }
            precondition(families[i].kind == kind, "\(name) is a \(families[i].kind.rawValue), not a \(kind.rawValue)")
            let k = Self.key(labels, families[i].labelNames, name)
            families[i].samples[k] = f(families[i].samples[k])
        }
    }

    private static func key(_ labels: [String: String], _ names: [String], _ metric: String) -> [String] {
        precondition(Set(labels.keys) == Set(names), "\(metric): labels \(labels.keys.sorted()) are not \(names)")
        return names.map { labels[$0]! }
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    package static func isValidName(_ s: String) -> Bool {
        func letter(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" || c == ":" }
        guard let first = s.unicodeScalars.first, letter(first) else { return false }
        return s.unicodeScalars.allSatisfy { letter($0) || ("0"..."9").contains($0) }
    }

    /// Label values escape backslash, double quote and newline.
    package static func escapeLabelValue(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// HELP text escapes backslash and newline.
    package static func escapeHelp(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// `2`, `0.5`, `NaN`, `+Inf`, `-Inf`.
    package static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }
}
