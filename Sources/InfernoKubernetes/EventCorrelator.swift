import Foundation
import InfernoControl

/// Turns Events to record into writes the way client-go's `EventCorrelator` does, so that a controller that
/// says the same thing every cycle leaves one Event with a count, not one object per cycle:
///
/// - **Similar events are combined**: once `similarLimit` different messages with the same object, type and
///   reason were seen within `similarWindow` seconds, later ones are recorded as one Event whose message is
///   prefixed `(combined from similar events): ` and which each of them updates (message, count, time).
/// - **Repeats are counted**: an Event equal to one already written (object, type, reason, message) patches that
///   Event's `count` and `lastTimestamp` instead of creating another.
/// - **Spam is dropped**: each object has a token bucket (`burst` tokens, one more every `refillSeconds`); an
///   Event that finds it empty is not written.
///
/// The defaults are client-go's (10 similar in 10 minutes; burst 25, a token every 5 minutes; 4096 remembered).
/// A value type: the recorder holds it, the tests drive it with their own clock.
package struct EventCorrelator: Sendable {
    package enum Write: Sendable, Equatable {
        /// Create an Event named `name` (count 1).
        case create(name: String, message: String)
        /// Patch the existing Event `name` to `count`, keeping its `firstTimestamp`.
        case repeated(name: String, count: Int, firstTimestamp: Double, message: String)
        /// Rate-limited: nothing is written.
        case dropped
    }

    package var similarLimit = 10
    package var similarWindow = 600.0
    package var burst = 25.0
    package var refillSeconds = 300.0
    package var capacity = 4096

    private struct Key: Hashable { var variant: VariantID; var type: String; var reason: String; var message: String }
    private struct Seen { var name: String; var count: Int; var first: Double; var last: Double }
    private struct Similar { var messages: Set<String>; var since: Double }
    private struct Bucket { var tokens: Double; var at: Double }

    private var seen: [Key: Seen] = [:]
    private var similar: [Key: Similar] = [:]
    private var buckets: [VariantID: Bucket] = [:]

    package init() {}

    package mutating func correlate(_ event: VariantEvent, at now: Double) -> Write {
        guard take(event.variant, at: now) else { return .dropped }
        let message = combined(event, at: now)
        // Combined events share one key (client-go's aggregate key): they update one Event, its message the latest.
        let isCombined = message != event.message
        let key = Key(variant: event.variant, type: event.type.rawValue, reason: event.reason,
                      message: isCombined ? "\u{0}combined" : message)
        if var s = seen[key] {
            s.count += 1
            s.last = now
            seen[key] = s
            return .repeated(name: s.name, count: s.count, firstTimestamp: s.first, message: message)
        }
        let name = Self.name(for: event.variant.name, at: now, avoiding: Set(seen.values.map(\.name)))
        seen[key] = Seen(name: name, count: 1, first: now, last: now)
        forgetOldest()
        return .create(name: name, message: message)
    }

    /// The written Event is gone (the API server expires Events after an hour by default): the next repeat creates
    /// a new one.
    package mutating func forget(name: String) { seen = seen.filter { $0.value.name != name } }

    /// `<object>.<hex nanoseconds>`, as client-go names Events.
    package static func name(for object: String, at time: Double, avoiding taken: Set<String>) -> String {
        var nanos = UInt64(max(0, time) * 1e9)
        while taken.contains("\(object).\(String(nanos, radix: 16))") { nanos += 1 }
        return "\(object).\(String(nanos, radix: 16))"
    }

    private mutating func take(_ id: VariantID, at now: Double) -> Bool {
        var b = buckets[id] ?? Bucket(tokens: burst, at: now)
        b.tokens = min(burst, b.tokens + max(0, now - b.at) / refillSeconds)
        b.at = now
        guard b.tokens >= 1 else { buckets[id] = b; return false }
        b.tokens -= 1
        buckets[id] = b
        return true
    }

    private mutating func combined(_ event: VariantEvent, at now: Double) -> String {
        let key = Key(variant: event.variant, type: event.type.rawValue, reason: event.reason, message: "")
        var s = similar[key] ?? Similar(messages: [], since: now)
        if now - s.since > similarWindow { s = Similar(messages: [], since: now) }
        s.messages.insert(event.message)
        similar[key] = s
        return s.messages.count >= similarLimit ? "(combined from similar events): " + event.message : event.message
    }

    private mutating func forgetOldest() {
        guard seen.count > capacity else { return }
        let oldest = seen.sorted { $0.value.last < $1.value.last }.prefix(seen.count - capacity).map(\.key)
        for k in oldest { seen[k] = nil }
    }
}
