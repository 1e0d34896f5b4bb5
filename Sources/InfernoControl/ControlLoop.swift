import Foundation
import Logging

/// The time the control loop runs on: the wall clock in `run`, simulated time in `simulate` (where sleeping
/// advances the simulated cluster).
package protocol ControlClock: Sendable {
    /// Seconds (since the epoch, or since the simulation began).
    func now() async -> Double
    /// Returns at `time` or later, or early when the loop should stop (it checks `shouldStop` next).
    func sleep(until time: Double) async throws
}

/// The cheap check between cycles for an immediate one: the set of variants (a list call, not a full observation).
package protocol VariantWatcher: Sendable {
    func variantIDs() async throws -> Set<VariantID>
}

/// Drives the reconciler: a cycle every interval, and at once when the set of variants changes (polled every
/// `pollSeconds` between cycles when there is a watcher). An error never turns into a faster requeue: a failed
/// cycle is retried at the next interval (upstream's exponential requeue is one of its bugs). Only the leader runs
/// cycles. The same loop runs `run` (wall clock, Kubernetes) and `simulate` (simulated clock, simulated cluster).
package struct ControlLoop<Clock: ControlClock>: Sendable {
    package let reconciler: Reconciler
    package let clock: Clock
    /// Polled between cycles; nil never triggers an immediate cycle.
    package let watcher: (any VariantWatcher)?
    package let intervalSeconds: Double
    /// How often the set of variants is checked between cycles.
    package var pollSeconds: Double = 5
    /// The loop returns after this many cycles (nil: until `shouldStop`).
    package var maxCycles: Int?
    /// Whether this replica may act (leader election); a follower skips its cycles.
    package var isLeader: @Sendable () async -> Bool = { true }
    /// Checked before each step; true ends the loop (SIGTERM, SIGINT).
    package var shouldStop: @Sendable () -> Bool = { false }
    /// Sees every cycle's report as it ends (metrics, time series, printing).
    package var onCycle: @Sendable (CycleReport) async throws -> Void = { _ in }
    package let logger: Logger

    package init(reconciler: Reconciler, clock: Clock, watcher: (any VariantWatcher)?, intervalSeconds: Double,
                 logger: Logger) {
        self.reconciler = reconciler
        self.clock = clock
        self.watcher = watcher
        self.intervalSeconds = intervalSeconds
        self.logger = logger
    }

    /// Runs until `shouldStop`, cancellation, or `maxCycles`; returns the number of cycles run.
    @discardableResult
    package func run() async throws -> Int {
        var lastCycle: Double = -.infinity
        var known: Set<VariantID>?
        var cycles = 0
        while !shouldStop(), !Task.isCancelled {
            let now = await clock.now()
            // The same sum as the wake-up time below, so a clock that wakes exactly then finds the cycle due.
            var due = now >= lastCycle + intervalSeconds
            if !due, let watcher, let previous = known, let ids = try? await watcher.variantIDs(), ids != previous {
                logger.info("variants changed: immediate cycle", metadata: ["variants": "\(ids.count)"])
                due = true
            }
            if due {
                if !(await isLeader()) {
                    logger.debug("not the leader: skipping the cycle")
                } else {
                    let report = await reconciler.cycle(at: now)
                    // A failed cycle knows no variants: comparing against it would turn the failure into an
                    // immediate retry at the next poll.
                    if !report.failed { known = Set(report.decisions.map(\.variant.id)) }
                    cycles += 1
                    try await onCycle(report)
                    if let maxCycles, cycles >= maxCycles { break }
                }
                lastCycle = now
            }
            let next = lastCycle + intervalSeconds
            if watcher == nil {
                try await clock.sleep(until: next)
            } else {
                let after = await clock.now()
                try await clock.sleep(until: min(after + pollSeconds, max(after + 0.2, next)))
            }
        }
        return cycles
    }
}

/// The wall clock; `sleep` wakes in steps of 200 ms so that a stop request is noticed promptly.
package struct WallClock: ControlClock {
    package let shouldStop: @Sendable () -> Bool

    package init(shouldStop: @escaping @Sendable () -> Bool = { false }) { self.shouldStop = shouldStop }

    package func now() async -> Double { Date().timeIntervalSince1970 }

    package func sleep(until time: Double) async throws {
        var rest = time - Date().timeIntervalSince1970
        repeat {
            try? await Task.sleep(for: .milliseconds(200))
            rest -= 0.2
        } while rest > 0 && !shouldStop()
    }
}
