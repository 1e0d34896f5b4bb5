import Foundation

/// Counts calls made from a `@Sendable` closure (a stage solver a test stands in for).
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }

    func add() {
        lock.lock()
        defer { lock.unlock() }
        count += 1
    }
}
