import Foundation
import InfernoControl

/// Kubernetes timestamps: `metav1.Time` (RFC 3339, whole seconds, UTC) and `metav1.MicroTime` (microseconds).
package enum KubeTime {
    package static func string(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    package static func microString(_ date: Date) -> String {
        // ISO8601DateFormatter writes milliseconds at most; Go writes six digits.
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let micros = Int(((date.timeIntervalSince1970 - seconds) * 1_000_000).rounded(.down))
        let base = string(Date(timeIntervalSince1970: seconds))
        return String(base.dropLast()) + String(format: ".%06dZ", min(micros, 999_999))
    }

    /// Reads both forms (and any fractional precision).
    package static func parse(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: text) { return d }
        // Fractions of any length: split them off, the formatter takes whole seconds.
        guard let dot = text.firstIndex(of: "."),
              let end = text[dot...].firstIndex(where: { !$0.isNumber && $0 != "." }) else { return nil }
        let fraction = Double("0" + text[dot..<end]) ?? 0
        return f.date(from: String(text[..<dot]) + String(text[end...])).map { $0.addingTimeInterval(fraction) }
    }
}
