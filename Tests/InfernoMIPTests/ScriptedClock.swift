import Foundation
@testable import InfernoMIP

/// A clock that moves only when told: a test scripts how long each solve takes, so what the time guard decides no
/// longer depends on the machine's speed.
final class ScriptedClock: SolveClock, @unchecked Sendable {
    private let lock = NSLock()
    private var seconds = 0.0

    func now() -> Double {
        lock.lock()
        defer { lock.unlock() }
        return seconds
    }

    func advance(_ by: Double) {
        lock.lock()
        defer { lock.unlock() }
        seconds += by
    }
}
